//! PKCS#11 modules, loaded and initialised once per process and never
//! finalised (`C_Finalize` would end every other session on the module,
//! the console's root CA session among them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};

use crate::HsmError;

static MODULES: LazyLock<Mutex<HashMap<PathBuf, Pkcs11>>> = LazyLock::new(Mutex::default);

/// The module at `path`, initialised (once per process).
pub fn module(path: &Path) -> Result<Pkcs11, HsmError> {
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(module) = modules.get(path) {
        return Ok(module.clone());
    }
    let failed = |source| HsmError::Module {
        module: path.to_owned(),
        source,
    };
    let module = Pkcs11::new(path).map_err(failed)?;
    match module.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(source) => return Err(failed(source)),
    }
    modules.insert(path.to_owned(), module.clone());
    Ok(module)
}
