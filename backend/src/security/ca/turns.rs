//! Taking turns at the token: one caller at a time uses its session (a
//! semaphore permit taken before a blocking thread), within the call
//! timeout for reads and signatures, to the end for changes whose outcome
//! the caller must learn.

use super::{CaError, CertificateAuthority};

impl CertificateAuthority {
    /// Runs token work on a blocking thread (PKCS#11 calls block), waiting
    /// at most the call timeout for its turn and its outcome. Only the
    /// caller whose turn it is holds a thread: behind a token that hangs,
    /// the others wait here and time out, instead of each blocking a
    /// thread on the session forever.
    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CaError> + Send + 'static,
    ) -> Result<T, CaError> {
        let timed_out = || CaError::Timeout {
            secs: self.timeout.as_secs(),
        };
        tokio::time::timeout(self.timeout, self.to_the_end(work))
            .await
            .map_err(|_| timed_out())?
    }

    /// Runs token work on a blocking thread once it is its turn, and
    /// waits for its outcome however long the token takes: for work that
    /// changes the token, whose outcome the caller must learn.
    pub(super) async fn to_the_end<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CaError> + Send + 'static,
    ) -> Result<T, CaError> {
        let turn = self.turn().await?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            work()
        })
        .await
        .map_err(|e| CaError::Task(e.to_string()))?
    }

    /// The session's turn: one caller at a time uses the token.
    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, CaError> {
        self.turns
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| CaError::Task(e.to_string()))
    }
}
