package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/ops"
)

const doctorUsage = `Usage: autobot-redis doctor [-h host] [-p port] [-a password | -u URI] [--json] [--strict]

Runs the checks of AutoBot's Redis troubleshooting guide against one server:
name resolution, connection and authentication, security settings,
persistence, memory and eviction, the slow log, and whether sampled keys sit
in the database the schema gives them and carry the TTL they must have.

Exit status: 0 when nothing is critical (with --strict: nothing above
info), 1 otherwise, 2 on a usage error.

`

func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs, cf := newFlagSet("doctor", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, doctorUsage)
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	hosts := fs.String("hosts", "", "comma-separated host names to resolve and dial (default: redis, localhost, autobot-redis, host.docker.internal); \"-\" skips the check")
	samples := fs.Int("samples", 2000, "keys to sample per database for the schema and TTL checks")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "autobot-redis doctor: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := ops.DoctorOptions{Conn: cf, Schema: doctorSchema(), Sample: *samples}
	switch *hosts {
	case "":
	case "-":
		o.Hosts = []string{}
	default:
		for _, h := range strings.Split(*hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				o.Hosts = append(o.Hosts, h)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	findings := ops.Doctor(ctx, o)
	if *asJSON {
		if err := ops.WriteFindingsJSON(stdout, findings); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	} else {
		ops.WriteFindings(stdout, findings)
	}
	switch ops.Worst(findings) {
	case ops.SevCritical:
		return 1
	case ops.SevWarn:
		if *strict {
			return 1
		}
	}
	return 0
}
