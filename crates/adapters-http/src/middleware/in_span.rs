//! A request's future run inside its span.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

/// Like tracing's `Instrumented`, entering the span for each poll, but the
/// finished future is dropped inside the poll that finished it. Dropping
/// an `Instrumented` enters the span once more to drop what it wraps, an
/// entry and exit on every request; only a
/// request cut short (its future dropped unfinished) pays that here.
///
/// Needs an `Unpin` future, as actix's middleware chain hands out (boxed),
/// so that it can be taken out and dropped without pin projection.
pub(super) struct InSpan<F> {
    span: Span,
    future: Option<F>,
}

impl<F> InSpan<F> {
    pub(super) fn new(future: F, span: Span) -> Self {
        Self {
            span,
            future: Some(future),
        }
    }
}

impl<F: Future + Unpin> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        // Polled again after finishing: nothing more will come.
        let Some(future) = this.future.as_mut() else {
            return Poll::Pending;
        };
        let output = Pin::new(future).poll(cx);
        if output.is_ready() {
            this.future = None;
        }
        output
    }
}

impl<F> Drop for InSpan<F> {
    fn drop(&mut self) {
        if let Some(future) = self.future.take() {
            let _entered = self.span.enter();
            drop(future);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::InSpan;

    #[test]
    fn gives_what_the_future_gives_and_stays_done() {
        let mut future = pin!(InSpan::new(Box::pin(async { 7 }), tracing::Span::none()));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(7));
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
    }
}
