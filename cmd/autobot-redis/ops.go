package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/cli"
	"github.com/autobot-ai/autobot-redis/internal/ops"
)

// The operations subcommands: health, memory, backup, restore.

func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *ops.ConnFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf ops.ConnFlags
	cf.Register(fs)
	return fs, &cf
}

// runHealth exits 0 when healthy, 1 when unhealthy, 2 on usage errors:
// fit for scripts and Docker's HEALTHCHECK.
func runHealth(args []string, stdout, stderr io.Writer) int {
	fs, cf := newFlagSet("health", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := cf.Client(0)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*cf.Timeout+time.Second)
	defer cancel()
	rep := ops.Health(ctx, c, cf.Addr())
	if *asJSON {
		rep.WriteJSON(stdout)
	} else {
		rep.WriteText(stdout)
	}
	if !rep.Healthy {
		return 1
	}
	return 0
}

func runMemory(args []string, stdout, stderr io.Writer) int {
	fs, cf := newFlagSet("memory", stderr)
	db := fs.Int("db", -1, "database to analyse (default: every non-empty database)")
	pattern := fs.String("pattern", "", "only keys matching this glob pattern")
	top := fs.Int("top", 10, "how many of the biggest keys to list")
	maxKeys := fs.Int("samples", 100000, "analyse at most this many keys per database")
	budget := fs.Duration("time", 10*time.Second, "time budget per database")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx := context.Background()
	dbs := []int{*db}
	if *db < 0 {
		c, err := cf.Client(0)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		info, err := ops.FetchInfo(ctx, c, "keyspace")
		c.Close()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		dbs = dbs[:0]
		for n := range info.Keyspace() {
			dbs = append(dbs, n)
		}
		sortInts(dbs)
	}
	var reports []*ops.MemoryReport
	for _, n := range dbs {
		c, err := cf.Client(n)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		rep, err := ops.AnalyzeMemory(ctx, c, n, ops.MemoryOptions{Pattern: *pattern, Top: *top, MaxKeys: *maxKeys, Budget: *budget})
		c.Close()
		if err != nil {
			fmt.Fprintf(stderr, "db%d: %v\n", n, err)
			return 1
		}
		reports = append(reports, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(reports)
		return 0
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		r.WriteText(stdout)
	}
	return 0
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// runBackup takes a full RDB snapshot (like redis-cli --rdb) or, with
// --db, exports one logical database into a portable file.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs, cf := newFlagSet("backup", stderr)
	db := fs.Int("db", -1, "export only this database (portable DUMP-based file)")
	out := fs.String("out", "", "output file (required)")
	pattern := fs.String("pattern", "", "with --db: only keys matching this pattern")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "backup: --out FILE is required")
		return 2
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fail := func(err error) int {
		f.Close()
		os.Remove(tmp)
		fmt.Fprintln(stderr, "backup failed:", err)
		return 1
	}
	if *db < 0 {
		o := &cli.Options{Host: cf.Host, Port: cf.Port, User: cf.User, Password: cf.Password, TLS: cf.TLS,
			Insecure: cf.Insecure, CACert: cf.CACert, Cert: cf.Cert, Key: cf.Key}
		n, err := cli.FetchRDB(o, cli.Env{Stdout: stderr, Stderr: stderr}, f, nil)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "full snapshot of %s: %d bytes\n", cf.Addr(), n)
	} else {
		c, err := cf.Client(*db)
		if err != nil {
			return fail(err)
		}
		defer c.Close()
		meta := ops.DumpMeta{DB: *db, Source: cf.Addr(), Created: time.Now().UTC(), Pattern: *pattern}
		n, err := ops.ExportDB(context.Background(), c, meta, f, func(done int64) {
			fmt.Fprintf(stderr, "\rexported %d keys", done)
		})
		fmt.Fprintln(stderr)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "db%d of %s: %d keys exported\n", *db, cf.Addr(), n)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return fail(err)
	}
	return 0
}

// runRestore imports a per-database export (backup --db).
func runRestore(args []string, stdout, stderr io.Writer) int {
	fs, cf := newFlagSet("restore", stderr)
	db := fs.Int("db", -1, "target database (default: the one recorded in the file)")
	in := fs.String("in", "", "input file from `autobot-redis backup --db N` (required)")
	dry := fs.Bool("dry-run", false, "verify the file and report conflicts without writing")
	replace := fs.Bool("replace", false, "overwrite keys that already exist")
	skip := fs.Bool("skip-existing", false, "keep keys that already exist")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *in == "" || *replace && *skip {
		fmt.Fprintln(stderr, "restore: --in FILE is required; --replace and --skip-existing exclude each other")
		return 2
	}
	open := func() (io.ReadCloser, error) { return os.Open(*in) }
	target := *db
	if target < 0 {
		f, err := open()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		meta, _, err := ops.ReadDump(io.LimitReader(f, 1<<16), nil)
		f.Close()
		if err != nil && meta.Source == "" {
			fmt.Fprintln(stderr, err)
			return 1
		}
		target = meta.DB
	}
	c, err := cf.Client(target)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer c.Close()
	res, err := ops.ImportDB(context.Background(), c, open, ops.RestoreOptions{
		DryRun: *dry, Replace: *replace, SkipExisting: *skip,
		Progress: func(done, total int64) {
			fmt.Fprintf(stderr, "\r%s", progressBar(done, total))
		},
	})
	fmt.Fprintln(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "restore failed:", err)
		return 1
	}
	if *dry {
		fmt.Fprintf(stdout, "dry run: %d keys from db%d of %s (exported %s) would go to db%d; %d already exist\n",
			res.Total, res.Meta.DB, res.Meta.Source, res.Meta.Created.Format(time.RFC3339), target, res.Existing)
		return 0
	}
	fmt.Fprintf(stdout, "restored %d keys into db%d (%d skipped, %d already expired); counts verified\n",
		res.Restored, target, res.Skipped, res.Expired)
	return 0
}

func progressBar(done, total int64) string {
	const width = 30
	if total <= 0 {
		return fmt.Sprintf("restoring %d keys", done)
	}
	filled := int(done * width / total)
	return fmt.Sprintf("restoring [%s%s] %d/%d (%d%%)", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, done*100/total)
}
