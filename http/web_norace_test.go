//go:build !race

package http

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
