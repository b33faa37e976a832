//! Thumbnails of PNG, JPEG, GIF and WebP images, bounded in pixels, in concurrency, and by one
//! memory budget shared by every decode in the process.

use std::io::{BufReader, Cursor};
use std::path::PathBuf;
use std::sync::Arc;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use natter_core::ImageSize;
use tokio::sync::Semaphore;

/// Thumbnails fit in a square of this many pixels a side.
pub(crate) const THUMBNAIL_EDGE: u32 = 320;
/// Images with more pixels than this are stored but get no thumbnail and are not shown
/// inline: decoding them would take too much memory (4 to 8 bytes a pixel, twice over when
/// the image must be turned upright).
pub(crate) const MAX_PIXELS: u64 = 40_000_000;
const MAX_SIDE: u32 = 16_384;
/// The memory all decodes together may use at once. Each decode reserves what its image needs
/// (from the header, before decoding) and waits until that much is free; an image that needs
/// more than the whole budget is stored as a plain file.
const DECODE_BUDGET: u64 = 256 * 1024 * 1024;
const BUDGET_UNIT: u64 = 1024;

/// A decoded image's size and its thumbnail, encoded.
pub(crate) struct Thumbnail {
    pub size: ImageSize,
    pub bytes: Vec<u8>,
}

/// Makes thumbnails on the blocking pool, one per core at a time and all within one memory
/// budget, so a burst of image uploads cannot take more than a bounded amount of memory.
#[derive(Clone)]
pub(crate) struct Thumbnailer {
    permits: Arc<Semaphore>,
    /// The decode budget, in KiB.
    budget: Arc<Semaphore>,
    budget_bytes: u64,
}

impl Thumbnailer {
    pub(crate) fn new() -> Self {
        Self::with_budget(DECODE_BUDGET)
    }

    pub(crate) fn with_budget(bytes: u64) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Thumbnailer {
            permits: Arc::new(Semaphore::new(cores)),
            budget: Arc::new(Semaphore::new((bytes / BUDGET_UNIT) as usize)),
            budget_bytes: bytes,
        }
    }

    /// The thumbnail of the image at `path` if `content_type` is one we show inline and the
    /// image decodes within bounds; `None` for everything else.
    pub(crate) async fn make(&self, path: PathBuf, content_type: &str) -> Option<Thumbnail> {
        let format = match content_type {
            "image/png" => ImageFormat::Png,
            "image/jpeg" => ImageFormat::Jpeg,
            "image/gif" => ImageFormat::Gif,
            "image/webp" => ImageFormat::WebP,
            _ => return None,
        };
        // The header says how much the decode will need, before anything big is allocated.
        let header_path = path.clone();
        let need = tokio::task::spawn_blocking(move || decode_need(&header_path, format))
            .await
            .ok()?;
        let need = match need {
            Ok(Some(need)) if need <= self.budget_bytes => need,
            Ok(_) => return None, // too big to decode within the budget: a plain file
            Err(e) => {
                tracing::info!(error = %e, "image header unreadable; stored as a plain file");
                return None;
            }
        };
        let units = u32::try_from(need.div_ceil(BUDGET_UNIT)).ok()?;
        // The permits move into the job: if the upload is cancelled, the decode still counts
        // against the limits until it really ends.
        let reserved = self.budget.clone().acquire_many_owned(units).await.ok()?;
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        let made = tokio::task::spawn_blocking(move || {
            let made = make(path, format, need);
            drop((permit, reserved));
            made
        })
        .await;
        match made {
            Ok(Ok(thumbnail)) => thumbnail,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "image could not be decoded; stored as a plain file");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "thumbnail task failed");
                None
            }
        }
    }
}

fn decoder(
    path: &std::path::Path,
    format: ImageFormat,
    max_alloc: u64,
) -> image::ImageResult<impl ImageDecoder> {
    let file = std::fs::File::open(path)?;
    let mut reader = ImageReader::with_format(BufReader::new(file), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(max_alloc);
    reader.limits(limits);
    reader.into_decoder()
}

/// The bytes decoding this image takes at most: the decoded pixels, twice (turning it upright
/// copies them), and a little for the thumbnail. `None` past the pixel bound.
fn decode_need(path: &std::path::Path, format: ImageFormat) -> image::ImageResult<Option<u64>> {
    let decoder = decoder(path, format, DECODE_BUDGET)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS || pixels == 0 {
        return Ok(None);
    }
    let bytes_per_pixel = u64::from(decoder.color_type().bytes_per_pixel());
    Ok(Some(pixels * bytes_per_pixel * 2 + 1024 * 1024))
}

fn make(path: PathBuf, format: ImageFormat, need: u64) -> image::ImageResult<Option<Thumbnail>> {
    let mut decoder = decoder(&path, format, need)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Ok(None);
    }
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let size = ImageSize {
        width: image.width(),
        height: image.height(),
    };
    let small = if size.width > THUMBNAIL_EDGE || size.height > THUMBNAIL_EDGE {
        image.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE)
    } else {
        image
    };
    let mut bytes = Vec::new();
    if format == ImageFormat::Jpeg {
        JpegEncoder::new_with_quality(&mut bytes, 80).encode_image(&small.to_rgb8())?;
    } else {
        small
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
    }
    Ok(Some(Thumbnail { size, bytes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_file(width: u32, height: u32) -> PathBuf {
        let image = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
        let path = std::env::temp_dir().join(format!(
            "natter-thumb-{}-{width}x{height}.png",
            std::process::id()
        ));
        image.save_with_format(&path, ImageFormat::Png).unwrap();
        path
    }

    #[tokio::test]
    async fn thumbnails_fit_the_box_and_keep_the_aspect_ratio() {
        let path = png_file(1000, 500);
        let thumb = Thumbnailer::new()
            .make(path.clone(), "image/png")
            .await
            .unwrap();
        assert_eq!((thumb.size.width, thumb.size.height), (1000, 500));
        let small = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((small.width(), small.height()), (320, 160));
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn an_image_that_needs_more_than_the_whole_budget_is_not_decoded() {
        // 1000 x 1000 RGBA needs about 9 MiB to decode and turn.
        let path = png_file(1000, 1000);
        let tight = Thumbnailer::with_budget(4 * 1024 * 1024);
        assert!(tight.make(path.clone(), "image/png").await.is_none());
        let roomy = Thumbnailer::with_budget(16 * 1024 * 1024);
        assert!(roomy.make(path.clone(), "image/png").await.is_some());
        // Many at once share the budget (one fits at a time) and all finish.
        let all = (0..6).map(|_| {
            let (t, p) = (roomy.clone(), path.clone());
            tokio::spawn(async move { t.make(p, "image/png").await.is_some() })
        });
        for made in futures_util::future::join_all(all).await {
            assert!(made.unwrap());
        }
        assert_eq!(
            roomy.budget.available_permits(),
            16 * 1024,
            "all of it given back"
        );
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn other_types_and_undecodable_images_get_none() {
        let path = png_file(10, 10);
        let t = Thumbnailer::new();
        assert!(t.make(path.clone(), "application/pdf").await.is_none());
        assert!(
            t.make(path.clone(), "image/jpeg").await.is_none(),
            "not a JPEG"
        );
        let _ = std::fs::remove_file(path);
    }
}
