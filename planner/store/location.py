"""Warns about places where SQLite is not safe: network drives and cloud-synced folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Folder names the common sync clients create; a plan file inside one is rewritten under SQLite's feet.
CLOUD_FOLDERS = ("onedrive", "dropbox", "google drive", "googledrive", "my drive", "icloud drive",
                 "iclouddrive", "box", "box sync", "nextcloud", "owncloud", "sharepoint")
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "smb2", "ncpfs", "afs", "9p", "davfs",
              "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs", "glusterfs", "ceph"}


def _windows_remote(path: Path) -> bool:
    if str(path).startswith("\\\\"):
        return True
    import ctypes

    drive = path.drive + "\\"
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 (ctypes.windll exists on Windows only)
    return bool(kernel32.GetDriveTypeW(drive) == 4)  # DRIVE_REMOTE


def _posix_fs_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    try:
        lines = mounts_file.read_text().splitlines()
    except OSError:
        return None
    best, best_type = "", None
    target = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
            best, best_type = mount, parts[2]
    return best_type


def risky_location(path: Path) -> str | None:
    """Why `path` is a poor place for a live plan file, or None when it looks local."""
    path = Path(os.path.abspath(path))
    for part in path.parts[:-1]:
        low = part.lower()
        if low in CLOUD_FOLDERS or low.startswith(("onedrive - ", "onedrive-")):
            return (f"“{path.name}” is in a cloud-synced folder ({part}). Sync programs copy the file while "
                    "Planner writes it, which can damage it or lose changes.")
    if sys.platform == "win32":
        if _windows_remote(path):
            return (f"“{path.name}” is on a network drive. SQLite files on network drives can be damaged "
                    "when the connection drops or two computers write at once.")
    else:
        fs = _posix_fs_type(path)
        if fs and fs.lower() in NETWORK_FS:
            return (f"“{path.name}” is on a network file system ({fs}). SQLite files there can be damaged "
                    "when the connection drops or two computers write at once.")
    return None
