package server

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// logger writes Redis-style log lines: "pid:M 25 Nov 2026 19:50:02.123 * msg".
// Operators and log parsers already know this format.
type logger struct {
	mu    sync.Mutex
	out   io.Writer
	file  *os.File
	level int
	pid   int
}

const (
	levelDebug = iota
	levelVerbose
	levelNotice
	levelWarning
)

var levelMarks = [...]byte{'.', '-', '*', '#'}

func parseLevel(s string) int {
	switch s {
	case "debug":
		return levelDebug
	case "verbose":
		return levelVerbose
	case "warning":
		return levelWarning
	}
	return levelNotice
}

func newLogger(path, level string) (*logger, error) {
	l := &logger{out: os.Stdout, level: parseLevel(level), pid: os.Getpid()}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("can't open the log file %s: %w", path, err)
		}
		l.out, l.file = f, f
	}
	return l, nil
}

func (l *logger) setLevel(level string) {
	l.mu.Lock()
	l.level = parseLevel(level)
	l.mu.Unlock()
}

func (l *logger) logf(level int, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if level < l.level {
		return
	}
	now := time.Now()
	fmt.Fprintf(l.out, "%d:M %s %c %s\n", l.pid, now.Format("02 Jan 2006 15:04:05.000"), levelMarks[level], fmt.Sprintf(format, args...))
}

func (l *logger) debug(format string, args ...any)   { l.logf(levelDebug, format, args...) }
func (l *logger) verbose(format string, args ...any) { l.logf(levelVerbose, format, args...) }
func (l *logger) notice(format string, args ...any)  { l.logf(levelNotice, format, args...) }
func (l *logger) warning(format string, args ...any) { l.logf(levelWarning, format, args...) }

func (l *logger) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		l.file.Close()
		l.file = nil
		l.out = io.Discard
	}
}
