package sqlstore

// SetRebuildMin sets the number of changed records above which a write may
// rebuild a family instead of keeping a delta, until the returned function
// restores it.
func SetRebuildMin(n int) (restore func()) {
	old := rebuildMin
	rebuildMin = n
	return func() { rebuildMin = old }
}

// Exec runs a statement on the database, outside any write: tests use it to
// put a database back in an older state.
func (db *DB) Exec(query string, args ...any) error {
	_, err := db.db.Exec(db.d.rebind(query), args...)
	return err
}
