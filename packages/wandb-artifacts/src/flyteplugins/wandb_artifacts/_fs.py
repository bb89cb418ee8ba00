"""File-system steps inside a target directory that never follow a symlink found there:
creating our own directories, moving a finished file into place, removing a tree.

They work through directory file descriptors opened with ``O_NOFOLLOW``, so a link planted
(or swapped in) on the way is refused instead of followed, and removal is iterative with one
directory open at a time, so no tree is too deep to remove.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from ._errors import UnsafeTargetError
from ._paths import UnsafePathError

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW_DIR_FLAGS = _DIR_FLAGS | getattr(os, "O_NOFOLLOW", 0)
# (os.replace takes dst_dir_fd where os.rename does; only the latter is listed)
_FD_CALLS_SUPPORTED = {os.open, os.mkdir, os.rmdir, os.unlink, os.stat, os.rename} <= os.supports_dir_fd and (
    os.scandir in os.supports_fd
)


def own_dir(path: Path) -> Path:
    """Create directory ``path`` (its parent must exist) or accept the real directory there;
    a symlink or anything else in its place is an :class:`UnsafeTargetError` naming it."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        raise UnsafeTargetError(
            f"{str(path)!r} is a symlink (to {os.readlink(path)!r}), not a directory; refusing to use "
            "it, nothing was read or deleted through it. Remove the link and run again."
        )
    if not stat.S_ISDIR(mode):
        raise UnsafeTargetError(
            f"{str(path)!r} exists and is not a directory; refusing to use it. Remove it and run again."
        )
    return path


def make_dirs(path: Path) -> list[Path]:
    """``mkdir -p path``; returns the directories it created, outermost first."""
    missing: list[Path] = []
    current = path
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    path.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def remove_created(created: list[Path]) -> None:
    """Undo :func:`make_dirs`: remove the directories it created, innermost first, while empty."""
    for path in reversed(created):
        try:
            os.rmdir(path)
        except OSError:
            return


def replace_into(root: Path, parts: Sequence[str], source: Path) -> None:
    """Move file ``source`` to ``root/parts[0]/.../parts[-1]``, creating the directories in
    between; a symlink on the way is an :class:`UnsafePathError`, never followed."""
    if not _FD_CALLS_SUPPORTED:  # pragma: no cover - platforms without *at() calls
        dest = root.joinpath(*parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, dest)
        return
    fd = os.open(root, _DIR_FLAGS)
    try:
        for depth, part in enumerate(parts[:-1]):
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, dir_fd=fd)
            try:
                child = os.open(part, _NOFOLLOW_DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                # ELOOP, or ENOTDIR from Linux when O_DIRECTORY meets a link
                if stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise UnsafePathError(
                        "/".join(parts), f"{'/'.join(parts[: depth + 1])!r} in the target is a symlink"
                    ) from exc
                raise
            os.close(fd)
            fd = child
        os.replace(source, parts[-1], dst_dir_fd=fd)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything under it. A symlink is removed itself, never followed;
    the parent of ``path`` is opened without following a link either. Raises ``OSError`` if
    something could not be removed (or the tree was moved meanwhile)."""
    if not _FD_CALLS_SUPPORTED:  # pragma: no cover - platforms without *at() calls
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path)
        return
    parent = os.open(path.parent, _NOFOLLOW_DIR_FLAGS)
    try:
        if stat.S_ISDIR(os.stat(path.name, dir_fd=parent, follow_symlinks=False).st_mode):
            _remove_dir_at(parent, path.name)
        else:
            os.unlink(path.name, dir_fd=parent)
    except FileNotFoundError:
        pass
    finally:
        os.close(parent)


def _remove_dir_at(parent: int, name: str) -> None:
    """Depth first with a stack of names (not descriptors: a deep tree would exhaust them);
    going back up opens ``..`` and checks it is the directory we came from."""
    fd = os.open(name, _NOFOLLOW_DIR_FLAGS, dir_fd=parent)
    names, idents, pending = [name], [_ident(fd)], [_clear_files(fd)]
    try:
        while True:
            if pending[-1]:
                child_name = pending[-1].pop()
                try:
                    child = os.open(child_name, _NOFOLLOW_DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                        raise
                    os.unlink(child_name, dir_fd=fd)  # became a link or file since the scan
                    continue
                os.close(fd)
                fd = child
                names.append(child_name)
                idents.append(_ident(fd))
                pending.append(_clear_files(fd))
                continue
            if len(names) == 1:
                break
            up = os.open("..", _DIR_FLAGS, dir_fd=fd)
            if _ident(up) != idents[-2]:
                os.close(up)
                raise OSError(errno.ESTALE, "directory moved while being removed", names[-1])
            os.close(fd)
            fd = up
            idents.pop()
            pending.pop()
            os.rmdir(names.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=parent)


def _clear_files(fd: int) -> list[str]:
    """Unlink every non-directory (links included) in ``fd``; returns its subdirectories."""
    with os.scandir(fd) as entries:
        listed = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    subdirs = []
    for name, is_dir in listed:
        if is_dir:
            subdirs.append(name)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=fd)
    return subdirs


def _ident(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino
