"""Is a workspace file on a local disk? SQLite's WAL needs one; network filesystems are refused.

SQLite in WAL mode coordinates readers and writers through a shared-memory file (``-shm``) and POSIX locks. On
NFS, SMB/CIFS, sshfs and similar, memory mapping is not shared between machines and locks are emulated or
ignored, so two reviewers on two machines can corrupt the workspace without either noticing. Such places are
refused; the way to share a workspace between machines is the team server (PostgreSQL, ``--db
postgresql://…``).

Which filesystem holds a path is decided by the mount whose mount point is the longest prefix of the resolved
path (``/proc/self/mountinfo`` on Linux, ``mount``'s output on macOS, the drive type on Windows). Filesystem
types counted as network ones are :data:`NETWORK_TYPES` and FUSE mounts of :data:`NETWORK_FUSE`; other FUSE
filesystems (``fuseblk`` for NTFS disks, encrypted local folders) are local.

For tests only: ``BWVTOOL_TEST_MOUNTINFO`` names a file read instead of ``/proc/self/mountinfo``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bwvtool.errors import StoreError

NETWORK_TYPES = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "coda", "ncpfs", "ncp", "9p", "ceph",
        "glusterfs", "lustre", "gpfs", "beegfs", "orangefs", "pvfs2", "davfs", "webdav", "sshfs", "afpfs",
        "afpfs-ng", "acfs", "virtiofs", "vboxsf", "vmhgfs", "prl_fs", "ocfs2", "gfs2",
    }
)  # fmt: skip
# FUSE filesystems that reach another machine (the part after "fuse.").
NETWORK_FUSE = frozenset(
    {
        "sshfs", "rclone", "s3fs", "gcsfuse", "goofys", "davfs", "davfs2", "glusterfs", "ceph-fuse", "cephfs",
        "gvfsd-fuse", "curlftpfs", "smbnetfs", "afpfs", "juicefs", "seaweedfs", "moosefs", "lizardfs",
        "onedriver", "google-drive-ocamlfuse", "vmhgfs-fuse", "nfs", "cifs",
    }
)  # fmt: skip

TEST_MOUNTINFO = "BWVTOOL_TEST_MOUNTINFO"
TEAM_SERVER = "the team server (PostgreSQL: --db postgresql://…, see docs/guarantees.md)"


@dataclass(frozen=True)
class Mount:
    mount_point: str
    fstype: str
    source: str

    @property
    def is_network(self) -> bool:
        kind = self.fstype.lower()
        if kind in NETWORK_TYPES:
            return True
        return kind.startswith("fuse.") and kind.removeprefix("fuse.") in NETWORK_FUSE


_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as octal (``\\040``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    """Mounts listed in ``/proc/self/mountinfo`` text, in mount order (malformed lines are skipped)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            separator = fields.index("-", 6)
            mount_point = _unescape(fields[4])
            fstype, source = fields[separator + 1], _unescape(fields[separator + 2])
        except (ValueError, IndexError):
            continue
        mounts.append(Mount(mount_point, fstype, source))
    return mounts


_DARWIN_LINE = re.compile(r"^(?P<source>.+) on (?P<point>/.*) \((?P<type>[^,)]+)")


def parse_darwin_mount(text: str) -> list[Mount]:
    """Mounts in the output of macOS's ``mount`` (``//u@server/share on /Volumes/share (smbfs, nodev, …)``)."""
    found = []
    for line in text.splitlines():
        match = _DARWIN_LINE.match(line)
        if match:
            found.append(Mount(match["point"], match["type"].strip(), match["source"]))
    return found


def mount_of(path: str | Path, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest mount point that is a prefix of it (the latest of equals)."""
    text = str(path)
    best: Mount | None = None
    for mount in mounts:
        point = mount.mount_point.rstrip("/") or "/"
        inside = point == "/" or text == point or text.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")):
            best = mount
    return best


def _system_mounts() -> list[Mount] | None:
    """This machine's mounts, or None where they cannot be read (then nothing is refused)."""
    override = os.environ.get(TEST_MOUNTINFO)
    if override:
        return parse_mountinfo(Path(override).read_text(encoding="utf-8", errors="replace"))
    if sys.platform.startswith("linux"):
        try:
            return parse_mountinfo(Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return None
    if sys.platform == "darwin":
        try:
            result = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return parse_darwin_mount(result.stdout)
    return None


def _windows_network(path: Path) -> str | None:
    """On Windows: why ``path`` is on a network share (a UNC path or a mapped network drive), else None."""
    text = str(path)
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return "a network share (UNC path)"
    import ctypes

    drive = path.drive + "\\"
    if drive and ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # type: ignore[attr-defined]  # DRIVE_REMOTE
        return f"a mapped network drive ({path.drive})"
    return None


def check_local_filesystem(path: str | Path) -> None:
    """Refuse a workspace path on a network filesystem.

    :raises StoreError: ``path`` (or the folder it would be created in) is on NFS, SMB/CIFS, sshfs or similar;
        the message names the filesystem and the team server as the way to share a workspace.
    """
    resolved = Path(os.path.realpath(path))
    if sys.platform == "win32" and not os.environ.get(TEST_MOUNTINFO):
        why = _windows_network(resolved)
        if why:
            raise StoreError(_refusal(resolved, why))
        return
    mounts = _system_mounts()
    mount = mount_of(resolved, mounts) if mounts else None
    if mount is not None and mount.is_network:
        where = f"{mount.fstype} from {mount.source}, mounted at {mount.mount_point}"
        raise StoreError(_refusal(resolved, f"a network filesystem ({where})"))


def _refusal(path: Path, why: str) -> str:
    return (
        f"{path} is on {why}: a workspace file there can be corrupted when several computers use it."
        f" Keep the workspace on this computer's own disk, or share it through {TEAM_SERVER}"
    )
