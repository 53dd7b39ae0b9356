//go:build race

package difftest_test

// raceEnabled: the race detector slows some steps past the reply timeout.
const raceEnabled = true
