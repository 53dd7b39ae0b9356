package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Handler receives what Load reads.
type Handler interface {
	// LoadRDB loads an RDB stream (a base file, or the preamble of an old
	// single-file AOF) and returns how many bytes it consumed.
	LoadRDB(r io.Reader) (consumed int64, err error)
	// Exec runs one command. An error stops the load (unknown command).
	Exec(args [][]byte) error
	// InMulti reports whether a MULTI read from the file is still open.
	InMulti() bool
	// Discard drops an open MULTI (the file ended inside a transaction).
	Discard()
}

// Logger receives the loader's warnings, in Redis's words.
type Logger interface {
	Noticef(format string, args ...any)
	Warningf(format string, args ...any)
}

// LoadError is a fatal loading error: the server must not start with a
// partial dataset.
type LoadError struct {
	File string
	Msg  string
}

func (e *LoadError) Error() string { return e.Msg }

// LoadStats sums up a successful load.
type LoadStats struct {
	Commands  int64
	Truncated bool  // the last file ended early and was cut back
	BaseSize  int64 // bytes of the base file
	TotalSize int64 // bytes of base and incr files after loading
}

// Load reads the base and incr files named by the manifest in dir, in
// order. A file that ends in the middle of a command is cut back to the
// last complete one when it is the last file and loadTruncated is set
// (aof-load-truncated); otherwise, and for any malformed content, Load
// fails with a LoadError that says what to do.
func Load(dir string, man *Manifest, h Handler, loadTruncated bool, log Logger) (LoadStats, error) {
	var st LoadStats
	var files []FileInfo
	if man.Base != nil {
		files = append(files, *man.Base)
	}
	files = append(files, man.Incr...)
	for i, fi := range files {
		last := i == len(files)-1
		n, size, truncated, err := loadFile(filepath.Join(dir, fi.Name), fi.Name, h, last && loadTruncated, log)
		st.Commands += n
		if err != nil {
			return st, err
		}
		if truncated {
			st.Truncated = true
		}
		if fi.Type == TypeBase {
			st.BaseSize = size
		}
		st.TotalSize += size
	}
	return st, nil
}

// loadFile loads one file and returns the commands executed, the file's
// size after loading (smaller when truncated) and whether it was cut.
func loadFile(path, name string, h Handler, mayTruncate bool, log Logger) (cmds, size int64, truncated bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, 0, false, &LoadError{File: name, Msg: fmt.Sprintf("The AOF file %s listed in the manifest doesn't exist", name)}
		}
		return 0, 0, false, &LoadError{File: name, Msg: fmt.Sprintf("Fatal error: can't open the append log file %s for reading: %v", name, err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, false, &LoadError{File: name, Msg: fmt.Sprintf("Unable to obtain the AOF file %s length: %v", name, err)}
	}
	size = fi.Size()
	if size == 0 {
		return 0, 0, false, nil
	}
	// An RDB first (base file or preamble), then commands.
	var magic [5]byte
	start := int64(0)
	if n, _ := io.ReadFull(f, magic[:]); n == 5 && string(magic[:]) == "REDIS" {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, size, false, &LoadError{File: name, Msg: err.Error()}
		}
		log.Noticef("Reading RDB base file on AOF loading...")
		consumed, err := h.LoadRDB(f)
		if err != nil {
			return 0, size, false, &LoadError{File: name, Msg: fmt.Sprintf("Error reading the RDB base file %s, AOF loading aborted: %v", name, err)}
		}
		log.Noticef("Reading the remaining AOF tail...")
		start = consumed
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return 0, size, false, &LoadError{File: name, Msg: err.Error()}
	}
	r := &cmdReader{r: bufio.NewReaderSize(f, 256<<10), off: start, size: size}
	validUpTo := start            // end of the last complete command
	validBeforeMulti := int64(-1) // where an open MULTI began
	for {
		args, err := r.next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errShortRead) {
			if h.InMulti() {
				// Cut the whole unfinished transaction, not just the
				// unfinished command: its commands never ran.
				h.Discard()
				log.Warningf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
				validUpTo = validBeforeMulti
			}
			return cmds, size, true, truncate(path, name, validUpTo, mayTruncate, log, &size)
		}
		if err != nil {
			return cmds, size, false, &LoadError{File: name, Msg: fmt.Sprintf("Bad file format reading the append only file %s at offset %d (%v): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name, validUpTo, err)}
		}
		if len(args) == 0 {
			validUpTo = r.off // an annotation line
			continue
		}
		if !h.InMulti() && isMulti(args[0]) {
			validBeforeMulti = validUpTo
		}
		if err := h.Exec(args); err != nil {
			return cmds, size, false, &LoadError{File: name, Msg: fmt.Sprintf("%v reading the append only file %s", capitalize(err.Error()), name)}
		}
		cmds++
		validUpTo = r.off
	}
	if h.InMulti() {
		// The file ends inside a transaction: its commands never ran, and
		// the file is cut back to where the transaction began.
		h.Discard()
		log.Warningf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
		return cmds, size, true, truncate(path, name, validBeforeMulti, mayTruncate, log, &size)
	}
	return cmds, size, false, nil
}

// truncate applies aof-load-truncated to a file that ended early.
func truncate(path, name string, validUpTo int64, allowed bool, log Logger, size *int64) error {
	if allowed && validUpTo >= 0 {
		log.Warningf("!!! Warning: short read while loading the AOF file %s!!!", name)
		log.Warningf("!!! Truncating the AOF %s at offset %d !!!", name, validUpTo)
		if err := os.Truncate(path, validUpTo); err != nil {
			log.Warningf("Error truncating the AOF file %s: %v", name, err)
		} else {
			*size = validUpTo
			log.Warningf("AOF %s loaded anyway because aof-load-truncated is enabled", name)
			return nil
		}
	}
	return &LoadError{File: name, Msg: fmt.Sprintf("Unexpected end of file reading the append only file %s. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name)}
}

func isMulti(b []byte) bool {
	return len(b) == 5 && (b[0]|0x20) == 'm' && (b[1]|0x20) == 'u' && (b[2]|0x20) == 'l' && (b[3]|0x20) == 't' && (b[4]|0x20) == 'i'
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-32) + s[1:]
	}
	return s
}

// errShortRead marks input that ends in the middle of a command.
var errShortRead = errors.New("unexpected end of file")

// cmdReader parses the RESP multibulk commands of an AOF.
type cmdReader struct {
	r    *bufio.Reader
	off  int64
	size int64 // input size: lengths beyond it mean the input was cut
	args [][]byte
}

// line reads one CRLF-terminated header line (without the CRLF).
func (c *cmdReader) line() ([]byte, error) {
	b, err := c.r.ReadSlice('\n')
	c.off += int64(len(b))
	if err == bufio.ErrBufferFull {
		return nil, errors.New("header line too long")
	}
	if err == io.EOF {
		if len(b) == 0 {
			return nil, io.EOF
		}
		return nil, errShortRead
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[len(b)-2] != '\r' {
		return nil, errors.New("header line not terminated by CRLF")
	}
	return b[:len(b)-2], nil
}

// next returns the next command, an empty slice for an annotation line,
// io.EOF at a clean end, errShortRead when the file stops mid-command, or
// another error for malformed content.
func (c *cmdReader) next() ([][]byte, error) {
	hdr, err := c.line()
	if err != nil {
		return nil, err
	}
	if len(hdr) > 0 && hdr[0] == '#' {
		return [][]byte{}, nil // annotation (aof-timestamp-enabled)
	}
	if len(hdr) < 2 || hdr[0] != '*' {
		return nil, fmt.Errorf("expected '*', got %q", clip(hdr))
	}
	argc, err := strconv.ParseInt(string(hdr[1:]), 10, 64)
	if err != nil || argc < 1 {
		return nil, fmt.Errorf("bad argument count %q", clip(hdr))
	}
	if argc > (c.size-c.off)/6+1 {
		// Each argument takes at least 6 bytes ("$0\r\n\r\n"): the rest
		// of the input cannot hold them.
		return nil, errShortRead
	}
	args := c.args[:0]
	for i := int64(0); i < argc; i++ {
		h, err := c.line()
		if err == io.EOF {
			return nil, errShortRead
		}
		if err != nil {
			return nil, err
		}
		if len(h) < 2 || h[0] != '$' {
			return nil, fmt.Errorf("expected '$', got %q", clip(h))
		}
		n, err := strconv.ParseInt(string(h[1:]), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad bulk length %q", clip(h))
		}
		if n+2 > c.size-c.off {
			return nil, errShortRead
		}
		buf := make([]byte, n+2)
		got, err := io.ReadFull(c.r, buf)
		c.off += int64(got)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errShortRead
		}
		if err != nil {
			return nil, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return nil, errors.New("bulk string not terminated by CRLF")
		}
		args = append(args, buf[:n:n])
	}
	c.args = args[:0]
	return args, nil
}

func clip(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}
