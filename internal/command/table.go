package command

import (
	"fmt"
	"sort"
	"strings"
)

// Handler executes one command. It reads c.Args, replies through c.W and
// reports its effects through c's hook methods.
type Handler func(c *Ctx)

// Command is a spec bound to the handler that serves it. Commands are
// created once at start-up by Table.Register and never change afterwards,
// except for their statistics, which the server updates under its lock.
type Command struct {
	*Spec
	Handler Handler
	// Parent is the container for a subcommand ("client" for "client|list").
	Parent *Command
	// ID indexes per-command arrays (statistics) and is stable for the life
	// of the table.
	ID int

	subs map[string]*Command
	// Stats are the counters behind INFO commandstats. The server owns them.
	Stats Stats
}

// Stats are per-command counters.
type Stats struct {
	Calls        int64
	Microseconds int64
	Rejected     int64
	Failed       int64
}

// Table is the set of commands the server implements.
type Table struct {
	top map[string]*Command
	all []*Command
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{top: map[string]*Command{}} }

// Register binds h to the command called name ("get", or "client|list" for
// a subcommand). The metadata comes from the generated specs; registering
// an unknown name or registering twice is a programming error and panics
// at start-up, where tests see it.
func (t *Table) Register(name string, h Handler) *Command {
	spec := Lookup(name)
	if spec == nil {
		panic(fmt.Sprintf("command: no spec for %q", name))
	}
	if c := spec.Container(); c != "" {
		parent := t.container(c)
		short := spec.Name[len(c)+1:]
		if parent.subs[short] != nil {
			panic(fmt.Sprintf("command: %q registered twice", name))
		}
		cmd := &Command{Spec: spec, Handler: h, Parent: parent, ID: len(t.all)}
		parent.subs[short] = cmd
		t.all = append(t.all, cmd)
		return cmd
	}
	if c := t.top[spec.Name]; c != nil {
		// A container created for its subcommands may get a handler of
		// its own (COMMAND with no arguments).
		if c.Handler != nil {
			panic(fmt.Sprintf("command: %q registered twice", name))
		}
		c.Handler = h
		return c
	}
	cmd := &Command{Spec: spec, Handler: h, ID: len(t.all)}
	t.top[spec.Name] = cmd
	t.all = append(t.all, cmd)
	return cmd
}

// container returns (creating on first use) the container command entry.
func (t *Table) container(name string) *Command {
	if c := t.top[name]; c != nil {
		if c.subs == nil {
			c.subs = map[string]*Command{}
		}
		return c
	}
	spec := Lookup(name)
	c := &Command{Spec: spec, ID: len(t.all), subs: map[string]*Command{}}
	t.top[name] = c
	t.all = append(t.all, c)
	return c
}

// Rename makes the command reachable under a new name, or hides it when
// to is empty (redis.conf rename-command).
func (t *Table) Rename(from, to string) error {
	from, to = strings.ToLower(from), strings.ToLower(to)
	c := t.top[from]
	if c == nil {
		return fmt.Errorf("no such command %q", from)
	}
	delete(t.top, from)
	if to != "" {
		if t.top[to] != nil {
			return fmt.Errorf("target command name %q already exists", to)
		}
		t.top[to] = c
	}
	return nil
}

// Lookup resolves argv the way Redis dispatches it: a container given a
// second argument resolves to the subcommand (nil if unknown); given alone
// it resolves to the container, whose arity then rejects it.
func (t *Table) Lookup(args [][]byte) *Command {
	if len(args) == 0 {
		return nil
	}
	c := t.lookupTop(args[0])
	if c == nil || len(args) == 1 || c.subs == nil {
		return c
	}
	return c.lookupSub(args[1])
}

// LookupName finds a command by its full name ("get", "config|get").
func (t *Table) LookupName(name string) *Command {
	name = strings.ToLower(name)
	if i := strings.IndexByte(name, '|'); i >= 0 {
		c := t.top[name[:i]]
		if c == nil || c.subs == nil {
			return nil
		}
		return c.subs[name[i+1:]]
	}
	return t.top[name]
}

func (t *Table) lookupTop(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil // no command name is that long
	}
	return t.top[string(lowerInto(buf[:0], name))]
}

func (c *Command) lookupSub(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	return c.subs[string(lowerInto(buf[:0], name))]
}

// IsContainer reports whether argv[0] names a container command.
func (t *Table) IsContainer(name []byte) bool {
	c := t.lookupTop(name)
	return c != nil && c.subs != nil
}

func lowerInto(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// Subcommands returns a container's registered subcommands sorted by name.
func (c *Command) Subcommands() []*Command {
	out := make([]*Command, 0, len(c.subs))
	for _, s := range c.subs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// All returns every registered command and subcommand, in ID order.
func (t *Table) All() []*Command { return t.all }

// Specs returns the specs of the implemented commands, each container
// holding only its implemented subcommands, for rendering COMMAND.
func (t *Table) Specs() []*Spec {
	var out []*Spec
	for name, c := range t.top {
		if c.Spec.Name != name {
			continue // a renamed alias; COMMAND shows real names only
		}
		if c.subs == nil {
			out = append(out, c.Spec)
			continue
		}
		cp := *c.Spec
		cp.Subcommands = nil
		for _, s := range c.Subcommands() {
			cp.Subcommands = append(cp.Subcommands, s.Spec)
		}
		out = append(out, &cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// UnknownCommandError formats Redis's reply for an unknown command or
// subcommand. Redis prints arguments with C string formatting, so text
// stops at a NUL byte, and it caps the argument preview at 128 bytes.
func (t *Table) UnknownCommandError(args [][]byte) string {
	if len(args) >= 2 && t.IsContainer(args[0]) {
		return fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.",
			cString(args[1], 128), strings.ToUpper(cString(args[0], -1)))
	}
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		room := 128 - b.Len()
		b.WriteByte('\'')
		b.WriteString(cString(a, room))
		b.WriteString("' ")
	}
	return fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", cString(args[0], 128), b.String())
}

// ArityError formats Redis's reply for a wrong argument count.
func ArityError(c *Command) string {
	return "ERR wrong number of arguments for '" + c.Name + "' command"
}

// cString returns b up to its first NUL byte and at most max bytes
// (max < 0: no limit), as printf's %.*s would print it.
func cString(b []byte, max int) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if max >= 0 && len(b) > max {
		b = b[:max]
	}
	return string(b)
}
