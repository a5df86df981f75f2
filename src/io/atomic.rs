//! Atomic output: write to a temporary file in the destination directory, then rename.
//! A crash or error never leaves a half-written output under the final name, and a reader never
//! sees one.
//!
//! Files are not synced to disk one by one (`fsync`): a `run` writes ~75 files, and a sync each
//! cost ~0.15 s of the demo's wall time on the project's machine, more than the statistics of
//! several sections. Durability is left to the file system, as most command-line tools do
//! (ext4 flushes a file's data before a rename that replaces an existing file commits); after a
//! power loss during a run, run it again.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating output directory {}", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        f.write_all(bytes).with_context(|| format!("writing {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Write through `f` into a temporary file beside `path`, then rename it into place.
pub fn write_atomic_with(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<&mut std::fs::File>) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating output directory {}", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| -> Result<()> {
        let mut file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut file);
            f(&mut w)?;
            w.flush().with_context(|| format!("writing {}", tmp.display()))?;
        }
        Ok(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Fill a directory atomically: `f` writes its files into a temporary directory beside `dir`
/// (plain writes, no sync per file: tens of thousands of small files), which then replaces
/// `dir` as a whole. A crash or error never leaves a half-filled directory under the final name;
/// files of an earlier run in `dir` are removed with it.
pub fn write_dir_atomic(dir: &Path, f: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating output directory {}", parent.display()))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    if let Err(e) = f(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        std::fs::rename(dir, &old).with_context(|| format!("renaming {} to {}", dir.display(), old.display()))?;
    }
    std::fs::rename(&tmp, dir).with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
    if had_old {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}

pub fn write_atomic_str(path: &Path, s: &str) -> Result<()> {
    write_atomic(path, s.as_bytes())
}

/// Refuse to write an output over one of the inputs.
pub fn ensure_not_input(out: &Path, inputs: &[&Path]) -> Result<()> {
    let o = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
    for i in inputs {
        let c = i.canonicalize().unwrap_or_else(|_| i.to_path_buf());
        if c == o {
            anyhow::bail!("refusing to overwrite input file {}", i.display());
        }
    }
    Ok(())
}
