package sftpserver

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"

	pkgsftp "github.com/pkg/sftp"
)

// rootFS serves the sftp request-server handlers from a directory. Every
// operation goes through os.Root, so neither ".." nor a symlink can reach a
// file outside the served directory.
type rootFS struct {
	root   *os.Root
	logger *slog.Logger
}

var (
	_ pkgsftp.FileReader           = (*rootFS)(nil)
	_ pkgsftp.OpenFileWriter       = (*rootFS)(nil)
	_ pkgsftp.PosixRenameFileCmder = (*rootFS)(nil)
	_ pkgsftp.LstatFileLister      = (*rootFS)(nil)
)

// handlers returns the request-server handlers backed by fsys.
func (fsys *rootFS) handlers() pkgsftp.Handlers {
	return pkgsftp.Handlers{FileGet: fsys, FilePut: fsys, FileCmd: fsys, FileList: fsys}
}

// rel turns an sftp path (absolute, "/" meaning the served directory) into a
// name relative to the root.
func rel(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// Fileread opens a file for reading.
func (fsys *rootFS) Fileread(r *pkgsftp.Request) (io.ReaderAt, error) {
	fsys.logger.Debug("get", "path", r.Filepath)
	return fsys.root.Open(rel(r.Filepath))
}

// Filewrite opens a file for writing with the flags the client sent.
func (fsys *rootFS) Filewrite(r *pkgsftp.Request) (io.WriterAt, error) {
	return fsys.openFile(r, os.O_WRONLY)
}

// OpenFile opens a file for reading and writing with the flags the client sent.
func (fsys *rootFS) OpenFile(r *pkgsftp.Request) (pkgsftp.WriterAtReaderAt, error) {
	return fsys.openFile(r, os.O_RDWR)
}

func (fsys *rootFS) openFile(r *pkgsftp.Request, mode int) (*os.File, error) {
	fsys.logger.Debug("put", "path", r.Filepath)
	pf := r.Pflags()
	flag := mode
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	// O_APPEND is left out on purpose: the request server writes with WriteAt.
	return fsys.root.OpenFile(rel(r.Filepath), flag, 0o644)
}

// Filecmd runs setstat, rename, rmdir, remove and mkdir inside the root.
func (fsys *rootFS) Filecmd(r *pkgsftp.Request) error {
	fsys.logger.Debug("cmd", "method", r.Method, "path", r.Filepath, "target", r.Target)
	name := rel(r.Filepath)
	switch r.Method {
	case "Setstat":
		return fsys.setstat(r, name)
	case "Rename":
		if _, err := fsys.root.Lstat(rel(r.Target)); err == nil {
			return fmt.Errorf("renaming to %s: %w", r.Target, fs.ErrExist)
		}
		return fsys.root.Rename(name, rel(r.Target))
	case "Rmdir":
		return fsys.remove(name, true)
	case "Remove":
		return fsys.remove(name, false)
	case "Mkdir":
		return fsys.root.Mkdir(name, 0o755)
	default:
		// Link and Symlink are refused: the server only serves plain files.
		return pkgsftp.ErrSSHFxOpUnsupported
	}
}

// PosixRename renames, replacing an existing target.
func (fsys *rootFS) PosixRename(r *pkgsftp.Request) error {
	fsys.logger.Debug("posix-rename", "path", r.Filepath, "target", r.Target)
	return fsys.root.Rename(rel(r.Filepath), rel(r.Target))
}

func (fsys *rootFS) remove(name string, dir bool) error {
	if name == "." {
		return fmt.Errorf("removing the served directory: %w", fs.ErrPermission)
	}
	fi, err := fsys.root.Lstat(name)
	if err != nil {
		return err
	}
	if fi.IsDir() != dir {
		return fmt.Errorf("removing %s: wrong file type %s", name, fi.Mode().Type())
	}
	return fsys.root.Remove(name)
}

func (fsys *rootFS) setstat(r *pkgsftp.Request, name string) error {
	flags, attrs := r.AttrFlags(), r.Attributes()
	if flags.Size {
		f, err := fsys.root.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f.Truncate(int64(attrs.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if flags.Permissions {
		if err := fsys.root.Chmod(name, attrs.FileMode().Perm()); err != nil {
			return err
		}
	}
	if flags.Acmodtime {
		return fsys.root.Chtimes(name, attrs.AccessTime(), attrs.ModTime())
	}
	return nil
}

// Filelist answers List and Stat requests.
func (fsys *rootFS) Filelist(r *pkgsftp.Request) (pkgsftp.ListerAt, error) {
	name := rel(r.Filepath)
	switch r.Method {
	case "List":
		fsys.logger.Debug("list", "path", r.Filepath)
		return fsys.list(name)
	case "Stat":
		fi, err := fsys.root.Stat(name)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	default:
		return nil, pkgsftp.ErrSSHFxOpUnsupported
	}
}

// Lstat answers Lstat requests without following a final symlink.
func (fsys *rootFS) Lstat(r *pkgsftp.Request) (pkgsftp.ListerAt, error) {
	fi, err := fsys.root.Lstat(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

func (fsys *rootFS) list(name string) (listerAt, error) {
	d, err := fsys.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make(listerAt, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue // removed while listing
		}
		out = append(out, fi)
	}
	return out, nil
}

// listerAt serves a fixed slice of file infos.
type listerAt []os.FileInfo

// ListAt copies entries starting at offset into ls.
func (l listerAt) ListAt(ls []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[offset:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}
