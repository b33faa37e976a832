// A component that renders again only when `same` says its props changed: for the rows of a
// long list, which most changes to the state do not concern. (preact/compat has `memo`, but
// importing compat changes how every component's events behave.)

import { Component, h, type FunctionComponent } from "preact";

export function memo<P extends object>(render: FunctionComponent<P>, same: (a: P, b: P) => boolean): FunctionComponent<P> {
  class Memo extends Component<P> {
    shouldComponentUpdate(next: P) {
      return !same(this.props as P, next);
    }
    render(props: P) {
      return h(render, props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
