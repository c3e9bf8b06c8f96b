package sqlstore

// SetRebuildMin sets the number of changed records above which a write may
// rebuild a family instead of keeping a delta, until the returned function
// restores it.
func SetRebuildMin(n int) (restore func()) {
	old := rebuildMin
	rebuildMin = n
	return func() { rebuildMin = old }
}
