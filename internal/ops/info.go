package ops

import (
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Info is a parsed INFO reply: section → field → value.
type Info map[string]map[string]string

// FetchInfo runs INFO with the given sections and parses it.
func FetchInfo(ctx context.Context, c *redis.Client, sections ...string) (Info, error) {
	s, err := c.Info(ctx, sections...).Result()
	if err != nil {
		return nil, err
	}
	return ParseInfo(s), nil
}

// ParseInfo parses INFO text.
func ParseInfo(s string) Info {
	out := Info{}
	sec := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "# ") {
			sec = strings.ToLower(strings.TrimPrefix(line, "# "))
			out[sec] = map[string]string{}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || sec == "" {
			continue
		}
		out[sec][k] = v
	}
	return out
}

// Get returns a field from any section.
func (i Info) Get(field string) string {
	for _, sec := range i {
		if v, ok := sec[field]; ok {
			return v
		}
	}
	return ""
}

// Int returns a numeric field, 0 when absent.
func (i Info) Int(field string) int64 {
	n, _ := strconv.ParseInt(i.Get(field), 10, 64)
	return n
}

// Keyspace returns db number → keys, expires from the keyspace section.
func (i Info) Keyspace() map[int][2]int64 {
	out := map[int][2]int64{}
	for k, v := range i["keyspace"] {
		if !strings.HasPrefix(k, "db") {
			continue
		}
		n, err := strconv.Atoi(k[2:])
		if err != nil {
			continue
		}
		var keys, expires int64
		for _, part := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(part, "=")
			x, _ := strconv.ParseInt(val, 10, 64)
			switch name {
			case "keys":
				keys = x
			case "expires":
				expires = x
			}
		}
		out[n] = [2]int64{keys, expires}
	}
	return out
}
