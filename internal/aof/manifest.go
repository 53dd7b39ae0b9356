// Package aof implements Redis 7's multi-part append-only file: a
// directory (appenddirname) holding a manifest that lists one base file
// (an RDB snapshot, or commands when aof-use-rdb-preamble is off) and the
// incremental files of commands written since, in order. The formats are
// Redis 7.0's, so either server can load the other's directory.
//
// The package knows files, not the server: Load feeds what it reads to a
// Handler, an AOF appends the commands given to Feed, and a Rewrite swaps
// in a new base that the caller writes. The persist package wires it to
// the server (propagation, snapshots, commands, INFO).
package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// File types in the manifest.
const (
	TypeBase    = 'b'
	TypeHistory = 'h'
	TypeIncr    = 'i'
)

// File suffixes, as Redis names the parts.
const (
	baseRDBSuffix  = ".base.rdb"
	baseAOFSuffix  = ".base.aof"
	incrSuffix     = ".incr.aof"
	manifestSuffix = ".manifest"
	tempPrefix     = "temp-"
)

// FileInfo is one line of the manifest.
type FileInfo struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest lists the files of an AOF: the base first, then the history
// files awaiting deletion, then the incremental files in order.
type Manifest struct {
	Base    *FileInfo
	History []FileInfo
	Incr    []FileInfo
	// The highest sequence numbers used, for naming the next files.
	BaseSeq, IncrSeq int64
}

// Empty reports whether the manifest names no base and no incr file.
func (m *Manifest) Empty() bool { return m.Base == nil && len(m.Incr) == 0 }

// Clone returns an independent copy.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{BaseSeq: m.BaseSeq, IncrSeq: m.IncrSeq}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.History = append([]FileInfo(nil), m.History...)
	c.Incr = append([]FileInfo(nil), m.Incr...)
	return c
}

// maxManifestLine is the longest line Redis accepts in a manifest.
const maxManifestLine = 1024

// ParseManifest reads a manifest as Redis 7.0 does: one file per line
// as "key value" pairs (file, seq, type; unknown keys are ignored for
// forward compatibility), '#' starts a comment line, and anything else is
// an error naming the problem.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	lines := 0
	for sc.Scan() {
		raw := sc.Text()
		if len(raw) > 0 && raw[0] == '#' {
			continue
		}
		if len(raw) >= maxManifestLine {
			return nil, errors.New("The AOF manifest file contains too long line")
		}
		line := strings.Trim(raw, " \t\r\n")
		if line == "" {
			return nil, errors.New("Invalid AOF manifest file format")
		}
		argv, err := config.SplitArgs(line)
		if err != nil || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, errors.New("Invalid AOF manifest file format")
		}
		var fi FileInfo
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				if strings.ContainsRune(argv[i+1], '/') {
					return nil, errors.New("File can't be a path, just a filename")
				}
				fi.Name = argv[i+1]
			case "seq":
				fi.Seq, _ = strconv.ParseInt(argv[i+1], 10, 64)
			case "type":
				if len(argv[i+1]) > 0 {
					fi.Type = argv[i+1][0]
				}
			}
		}
		if fi.Name == "" || fi.Seq == 0 || fi.Type == 0 {
			return nil, errors.New("Invalid AOF manifest file format")
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, errors.New("Found duplicate base file information")
			}
			b := fi
			m.Base = &b
			m.BaseSeq = fi.Seq
		case TypeHistory:
			m.History = append(m.History, fi)
		case TypeIncr:
			if fi.Seq <= m.IncrSeq {
				return nil, errors.New("Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, fi)
			m.IncrSeq = fi.Seq
		default:
			return nil, errors.New("Unknown AOF file type")
		}
		lines++
	}
	if err := sc.Err(); err != nil {
		return nil, errors.New("The AOF manifest file contains too long line")
	}
	if lines == 0 {
		return nil, errors.New("Found an empty AOF manifest")
	}
	return m, nil
}

// Bytes renders the manifest exactly as Redis 7.0 writes it.
func (m *Manifest) Bytes() []byte {
	var b bytes.Buffer
	line := func(fi FileInfo) {
		fmt.Fprintf(&b, "file %s seq %d type %c\n", quoteName(fi.Name), fi.Seq, fi.Type)
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, h := range m.History {
		line(h)
	}
	for _, i := range m.Incr {
		line(i)
	}
	return b.Bytes()
}

// quoteName quotes a file name that would not survive splitting, the way
// Redis's sdscatrepr does.
func quoteName(s string) string {
	needs := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c == '\'' || c <= ' ' || c >= 0x7f {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	return config.Quote(s)
}

// ManifestName is the manifest's file name for appendfilename.
func ManifestName(appendFilename string) string { return appendFilename + manifestSuffix }

// newBase names the next base file and turns the current one into history.
func (m *Manifest) newBase(appendFilename string, rdb bool) FileInfo {
	if m.Base != nil {
		h := *m.Base
		h.Type = TypeHistory
		m.History = append(m.History, h)
	}
	m.BaseSeq++
	suffix := baseAOFSuffix
	if rdb {
		suffix = baseRDBSuffix
	}
	fi := FileInfo{Name: fmt.Sprintf("%s.%d%s", appendFilename, m.BaseSeq, suffix), Seq: m.BaseSeq, Type: TypeBase}
	m.Base = &fi
	return fi
}

// newIncr names the next incr file and appends it.
func (m *Manifest) newIncr(appendFilename string) FileInfo {
	m.IncrSeq++
	fi := FileInfo{Name: fmt.Sprintf("%s.%d%s", appendFilename, m.IncrSeq, incrSuffix), Seq: m.IncrSeq, Type: TypeIncr}
	m.Incr = append(m.Incr, fi)
	return fi
}

// incrToHistory moves the incr files but the last keep ones to history.
func (m *Manifest) incrToHistory(keep int) {
	n := len(m.Incr) - keep
	if n <= 0 {
		return
	}
	for _, fi := range m.Incr[:n] {
		fi.Type = TypeHistory
		m.History = append(m.History, fi)
	}
	m.Incr = append([]FileInfo(nil), m.Incr[n:]...)
}
