//! Connections that can be cut from outside: a server connection wrapped in
//! [`Guarded`] fails its next read or write (and wakes the task serving it)
//! once its [`Lifeline`] is cut, so the server drops the socket mid-request,
//! mid-watch or idle between keep-alive requests, as a vanished peer does.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The switch shared by a connection and the cluster's [`super::Faults`].
#[derive(Default)]
pub struct Lifeline {
    cut: AtomicBool,
    waker: AtomicWaker,
}

impl Lifeline {
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Whether the line is cut, registering the task to be woken when it
    /// is (checked again after registering, so a cut in between is seen).
    fn check(&self, cx: &Context<'_>) -> io::Result<()> {
        if !self.cut.load(Ordering::Acquire) {
            self.waker.register(cx.waker());
            if !self.cut.load(Ordering::Acquire) {
                return Ok(());
            }
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "the cluster became unreachable",
        ))
    }
}

/// A connection that ends when its cluster becomes unreachable.
pub struct Guarded<S> {
    inner: S,
    lifeline: Arc<Lifeline>,
}

impl<S> Guarded<S> {
    pub(crate) fn new(inner: S, lifeline: Arc<Lifeline>) -> Self {
        Self { inner, lifeline }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.lifeline.check(cx)?;
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.lifeline.check(cx)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.lifeline.check(cx)?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.lifeline.check(cx)?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
