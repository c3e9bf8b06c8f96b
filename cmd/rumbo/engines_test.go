package main

import (
	"testing"

	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

// forEachEngine runs fn on an initialised SQLite database and on an
// initialised throwaway PostgreSQL database.
func forEachEngine(t *testing.T, fn func(t *testing.T, c *cli)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, sqliteCLI(t))
	})
	t.Run("postgres", func(t *testing.T) {
		c := newCLI(t, sqlstoretest.PostgresDSN(t))
		c.must("init")
		fn(t, c)
	})
}
