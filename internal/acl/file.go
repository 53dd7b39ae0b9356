package acl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// ValidateConfigUsers checks the "user" lines of redis.conf (each one
// the line's arguments after "user": the name, then the rules) the way
// Redis does while reading the file: a user defined twice, or a rule
// that is malformed, is a configuration error. Unknown commands and
// categories are only reported by LoadConfigUsers, as in Redis.
func (a *ACL) ValidateConfigUsers(lines [][]string) error {
	seen := map[string]bool{}
	for _, line := range lines {
		if len(line) == 0 {
			return fmt.Errorf("Error in user declaration 'user': %s", errSyntax)
		}
		// Redis prints the word of the whole "user ..." line at the
		// index of the failing rule, so the word shown is off by two.
		word := func(i int) string {
			if i == 0 {
				return "user"
			}
			if i-1 < len(line) {
				return line[i-1]
			}
			return ""
		}
		if seen[line[0]] {
			return fmt.Errorf("Error in user declaration '%s': %s", word(1), errDuplicateUser)
		}
		merged, bad, ok := mergeSelectorArgs(line[1:])
		if !ok {
			return fmt.Errorf("Error in user declaration '%s': %s", word(bad), errSyntax)
		}
		fake := newUser("", a.pubsubAll)
		for j, op := range merged {
			if k := fake.apply(op, a.pubsubAll); k != 0 && k != errUnknown {
				return fmt.Errorf("Error in user declaration '%s': %s", word(j), k)
			}
		}
		seen[line[0]] = true
	}
	return nil
}

// LoadConfigUsers creates the users of the redis.conf "user" lines (a
// "user default" line resets the default user first). Lines must have
// passed ValidateConfigUsers.
func (a *ACL) LoadConfigUsers(lines [][]string, warn func(format string, args ...any)) error {
	for _, line := range lines {
		name := line[0]
		if hasSpaces(name) {
			return errors.New("Spaces not allowed in ACL usernames")
		}
		merged, _, ok := mergeSelectorArgs(line[1:])
		if !ok {
			return fmt.Errorf("Unmatched parenthesis in the rules of the user named '%s'", name)
		}
		u := a.users[name]
		if u == nil {
			u = newUser(name, a.pubsubAll)
			a.users[name] = u
		} else {
			u.apply("reset", a.pubsubAll)
		}
		for _, op := range merged {
			if k := u.apply(op, a.pubsubAll); k != 0 {
				return fmt.Errorf("Error loading ACL rule '%s' for the user named '%s': %s", cString(op), name, k)
			}
		}
		if !u.enabled && warn != nil {
			warn("The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.", name)
		}
	}
	return nil
}

// LoadFile replaces the users with those of an aclfile (Redis's ACL LOAD
// and the aclfile at startup). path is opened; display is the name used
// in error messages (the configured aclfile value). On any error nothing
// changes and the error text is Redis's. On success the previous users
// other than default are returned: their connections must be closed, as
// Redis closes them.
func (a *ACL) LoadFile(path, display string) (dropped []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Error loading ACLs, opening file '%s': %s", display, strerror(err))
	}
	// fgets-style reading stops at a NUL byte within a line; Redis then
	// concatenates C strings, so the rest of such a line is lost.
	text := string(data)
	var errs strings.Builder
	users := map[string]*User{}
	for i, line := range strings.Split(text, "\n") {
		if j := indexNUL(line); j >= 0 {
			line = line[:j]
		}
		lineno := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", display, lineno)
			continue
		}
		if hasSpaces(argv[1]) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", display, lineno, argv[1])
			continue
		}
		if users[argv[1]] != nil {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", argv[1], lineno)
			continue
		}
		u := newUser(argv[1], a.pubsubAll)
		users[argv[1]] = u
		merged, _, ok := mergeSelectorArgs(argv[2:])
		if !ok {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", display, lineno)
			continue
		}
		syntaxErr := false
		for _, op := range merged {
			op = strings.Trim(op, "\t\r\n")
			k := u.apply(op, a.pubsubAll)
			switch {
			case k == 0:
			case k == errUnknown:
				fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", display, lineno, op, k)
			case !syntaxErr:
				fmt.Fprintf(&errs, "%s:%d: %s. ", display, lineno, k)
				syntaxErr = true
			}
		}
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, errors.New(errs.String())
	}
	nd := users[DefaultUserName]
	if nd == nil {
		nd = a.newDefaultUser()
	}
	a.def.copyFrom(nd)
	users[DefaultUserName] = a.def
	for name := range a.users {
		if name != DefaultUserName {
			dropped = append(dropped, name)
		}
	}
	a.users = users
	return dropped, nil
}

// SaveFile writes every user to path as "user <name> <rules>" lines,
// through a temporary file renamed over the old one.
func (a *ACL) SaveFile(path string) error {
	var b strings.Builder
	for _, u := range a.Users() {
		b.WriteString("user ")
		b.WriteString(u.name)
		b.WriteByte(' ')
		b.WriteString(u.Describe())
		b.WriteByte('\n')
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%d", path, os.Getpid(), time.Now().UnixMilli())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("Opening temp ACL file for ACL SAVE: %s", strerror(err))
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("Writing ACL file for ACL SAVE: %s", strerror(err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Writing ACL file for ACL SAVE: %s", strerror(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Renaming ACL file for ACL SAVE: %s", strerror(err))
	}
	return nil
}

// strerror renders an I/O error like C's strerror: "No such file or
// directory".
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
