package redismanager

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The key guard. Every client this package creates carries a go-redis hook
// bound to one database's schema row: before a command (or a whole
// pipeline) is sent, the hook finds the command's key arguments and checks
// each against the database's key layouts. One non-conforming key fails the
// command, or the whole pipeline, without sending anything. This is what
// makes writing a session into the chat database, or any key outside the
// schema, impossible rather than merely unlikely; stores cannot bypass it
// because they only hold guarded clients.
//
// The guard knows the key positions of the commands the stores use and of
// the common read commands. A command it does not know is refused too, so
// a new command has to be added to keyPositions deliberately. Commands
// that reach across databases or wipe them (FLUSHDB, FLUSHALL, SWAPDB,
// MOVE, SELECT by hand, KEYS, CONFIG, DEBUG, SHUTDOWN) are refused.

type keyRule uint8

const (
	keysNone    keyRule = iota // no key arguments
	keysFirst                  // argument 1
	keysAll                    // every argument from 1
	keysTwo                    // arguments 1 and 2
	keysPairs                  // 1, 3, 5, ... (MSET)
	keysNumKeys                // argument 2 is the number of keys that follow (EVAL)
	keysButLast                // every argument from 1 except the last (BLPOP timeout)
	keysSub                    // argument 2 after a subcommand (OBJECT ENCODING key)
	keysScan                   // SCAN: no key, but MATCH must stay in the namespace
	keysRefuse                 // never allowed through a guarded client
	keysSelect                 // SELECT: only the client's own database (sent by go-redis on connect)
)

func keyPositions() map[string]keyRule {
	m := map[string]keyRule{}
	add := func(r keyRule, names string) {
		for _, n := range strings.Fields(names) {
			m[n] = r
		}
	}
	add(keysFirst, `get set setnx setex psetex getex getdel getset append strlen getrange setrange
		incr incrby incrbyfloat decr decrby expire pexpire expireat pexpireat persist ttl pttl
		expiretime pexpiretime type dump restore
		hset hsetnx hmset hget hmget hgetall hdel hincrby hincrbyfloat hexists hlen hscan hkeys hvals
		hstrlen hrandfield
		lpush rpush lpushx rpushx lpop rpop lrange ltrim llen lrem lpos lindex lset linsert
		sadd srem smembers scard sismember smismember sscan spop srandmember
		zadd zrem zrange zrangebyscore zrevrange zrevrangebyscore zrangebylex zremrangebyscore
		zremrangebyrank zcard zscore zmscore zcount zincrby zscan zrank zrevrank zpopmin zpopmax
		xadd xlen xrange xrevrange xdel xtrim xack xclaim xautoclaim xpending`)
	add(keysAll, "del unlink exists mget watch touch sinter sunion sdiff")
	add(keysTwo, "lmove blmove rpoplpush smove rename renamenx copy")
	add(keysPairs, "mset msetnx")
	add(keysNumKeys, "eval evalsha eval_ro evalsha_ro fcall fcall_ro")
	add(keysButLast, "blpop brpop bzpopmin bzpopmax")
	add(keysSub, "object memory")
	add(keysScan, "scan")
	add(keysNone, `ping echo info dbsize multi exec discard unwatch hello auth client time quit reset
		command cluster readonly readwrite publish spublish subscribe psubscribe unsubscribe punsubscribe
		ssubscribe sunsubscribe pubsub script lastsave role wait`)
	add(keysRefuse, "flushdb flushall swapdb move keys config debug shutdown migrate")
	add(keysSelect, "select")
	return m
}

type guard struct {
	ks    *keyspace
	rules map[string]keyRule
}

func newGuard(ks *keyspace) *guard {
	return &guard{ks: ks, rules: keyPositions()}
}

// check returns an error when cmd may not be sent through this database's
// client.
func (g *guard) check(cmd redis.Cmder) error {
	args := cmd.Args()
	if len(args) == 0 {
		return nil
	}
	name := lower(argString(args[0]))
	rule, known := g.rules[name]
	if !known {
		return fmt.Errorf("%w: command %q is not known to the key guard of %s", ErrKeyNotAllowed, name, g.ks.db)
	}
	switch rule {
	case keysNone:
		return nil
	case keysRefuse:
		return fmt.Errorf("%w: command %q is not allowed through the %s client", ErrKeyNotAllowed, name, g.ks.db)
	case keysFirst:
		return g.keyAt(args, 1)
	case keysSelect:
		want := int(g.ks.db)
		if g.ks.namespaced {
			want = 0
		}
		if len(args) == 2 && argString(args[1]) == strconv.Itoa(want) {
			return nil
		}
		return fmt.Errorf("%w: SELECT would leave database %d (%s)", ErrKeyNotAllowed, want, g.ks.db)
	case keysAll:
		for i := 1; i < len(args); i++ {
			if err := g.keyAt(args, i); err != nil {
				return err
			}
		}
	case keysTwo:
		if err := g.keyAt(args, 1); err != nil {
			return err
		}
		return g.keyAt(args, 2)
	case keysPairs:
		for i := 1; i < len(args); i += 2 {
			if err := g.keyAt(args, i); err != nil {
				return err
			}
		}
	case keysButLast:
		for i := 1; i < len(args)-1; i++ {
			if err := g.keyAt(args, i); err != nil {
				return err
			}
		}
	case keysNumKeys:
		if len(args) < 3 {
			return nil
		}
		n, err := strconv.Atoi(argString(args[2]))
		if err != nil {
			return nil // the server answers the syntax error
		}
		for i := 3; i < 3+n && i < len(args); i++ {
			if err := g.keyAt(args, i); err != nil {
				return err
			}
		}
	case keysSub:
		if len(args) >= 3 {
			sub := lower(argString(args[1]))
			if sub == "usage" || sub == "encoding" || sub == "freq" || sub == "idletime" || sub == "refcount" {
				return g.keyAt(args, 2)
			}
		}
	case keysScan:
		if !g.ks.namespaced {
			return nil
		}
		for i := 2; i+1 < len(args); i++ {
			if strings.EqualFold(argString(args[i]), "match") {
				if p := argString(args[i+1]); !strings.HasPrefix(p, g.ks.prefix) {
					return fmt.Errorf("%w: SCAN MATCH %q is outside the %s namespace %q", ErrKeyNotAllowed, p, g.ks.db, g.ks.prefix)
				}
				return nil
			}
		}
		return fmt.Errorf("%w: SCAN without MATCH would leave the %s namespace", ErrKeyNotAllowed, g.ks.db)
	}
	return nil
}

func (g *guard) keyAt(args []any, i int) error {
	if i >= len(args) {
		return nil
	}
	key, ok := args[i].(string)
	if !ok {
		if b, isBytes := args[i].([]byte); isBytes {
			key, ok = string(b), true
		}
	}
	if !ok {
		return fmt.Errorf("%w: %s key argument %v is not a string", ErrKeyNotAllowed, argString(args[0]), args[i])
	}
	if !g.ks.allowed(key) {
		return fmt.Errorf("%w: %q does not match any key layout of database %d (%s)", ErrKeyNotAllowed, key, int(g.ks.db), g.ks.db)
	}
	return nil
}

// go-redis hook interface.

func (g *guard) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (g *guard) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := g.check(cmd); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (g *guard) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if err := g.check(c); err != nil {
				for _, c2 := range cmds {
					c2.SetErr(err)
				}
				return err
			}
		}
		return next(ctx, cmds)
	}
}

func argString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return fmt.Sprint(a)
}

// lower is strings.ToLower without allocating for names that already are.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
