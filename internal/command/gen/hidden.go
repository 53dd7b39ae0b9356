package main

// hiddenFlags lists the command flags that Redis 7.0 keeps in its command
// table but never shows in COMMAND INFO, so they cannot be read from the
// reference server. They are facts of Redis 7.0.15's command table.
// Commands only available in Sentinel mode (only_sentinel) are not part of
// a normal server's table and are not generated.
var hiddenFlags = map[string][]string{
	// may_replicate: not a write, yet may propagate something to replicas.
	"eval":     {"FlagMayReplicate"},
	"evalsha":  {"FlagMayReplicate"},
	"fcall":    {"FlagMayReplicate"},
	"pfcount":  {"FlagMayReplicate"},
	"publish":  {"FlagMayReplicate", "FlagSentinel"},
	"spublish": {"FlagMayReplicate"},

	// protected: refused unless enable-debug-command / enable-module-command
	// allows it.
	"debug":         {"FlagProtected"},
	"module|load":   {"FlagProtected"},
	"module|loadex": {"FlagProtected"},
	"module|unload": {"FlagProtected"},

	// touches_arbitrary_keys: may touch keys it does not declare.
	"randomkey": {"FlagTouchesArbitraryKeys"},
	"scan":      {"FlagTouchesArbitraryKeys"},

	// sentinel: also served by a Sentinel.
	"acl":                     {"FlagSentinel"},
	"acl|cat":                 {"FlagSentinel"},
	"acl|deluser":             {"FlagSentinel"},
	"acl|dryrun":              {"FlagSentinel"},
	"acl|genpass":             {"FlagSentinel"},
	"acl|getuser":             {"FlagSentinel"},
	"acl|help":                {"FlagSentinel"},
	"acl|list":                {"FlagSentinel"},
	"acl|load":                {"FlagSentinel"},
	"acl|log":                 {"FlagSentinel"},
	"acl|save":                {"FlagSentinel"},
	"acl|setuser":             {"FlagSentinel"},
	"acl|users":               {"FlagSentinel"},
	"acl|whoami":              {"FlagSentinel"},
	"auth":                    {"FlagSentinel"},
	"client":                  {"FlagSentinel"},
	"client|caching":          {"FlagSentinel"},
	"client|getname":          {"FlagSentinel"},
	"client|getredir":         {"FlagSentinel"},
	"client|help":             {"FlagSentinel"},
	"client|id":               {"FlagSentinel"},
	"client|info":             {"FlagSentinel"},
	"client|kill":             {"FlagSentinel"},
	"client|list":             {"FlagSentinel"},
	"client|no-evict":         {"FlagSentinel"},
	"client|pause":            {"FlagSentinel"},
	"client|reply":            {"FlagSentinel"},
	"client|setname":          {"FlagSentinel"},
	"client|tracking":         {"FlagSentinel"},
	"client|trackinginfo":     {"FlagSentinel"},
	"client|unblock":          {"FlagSentinel"},
	"client|unpause":          {"FlagSentinel"},
	"command":                 {"FlagSentinel"},
	"command|count":           {"FlagSentinel"},
	"command|docs":            {"FlagSentinel"},
	"command|getkeys":         {"FlagSentinel"},
	"command|getkeysandflags": {"FlagSentinel"},
	"command|help":            {"FlagSentinel"},
	"command|info":            {"FlagSentinel"},
	"command|list":            {"FlagSentinel"},
	"hello":                   {"FlagSentinel"},
	"info":                    {"FlagSentinel"},
	"ping":                    {"FlagSentinel"},
	"psubscribe":              {"FlagSentinel"},
	"punsubscribe":            {"FlagSentinel"},
	"role":                    {"FlagSentinel"},
	"shutdown":                {"FlagSentinel"},
	"subscribe":               {"FlagSentinel"},
	"unsubscribe":             {"FlagSentinel"},
}
