package importer

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
)

// The decoder refuses a row whose external id an earlier row of the file
// has. A set of every id seen would grow with the file, so the detection
// pass finds the repeated ids instead with bounded memory: it hashes each
// row's id (128 bits) with its line, sorts chunks of dupChunk entries in
// memory, spills them to temporary files when there is more than one, and
// merges the sorted runs, keeping only the hashes seen twice or more with
// their first line. The decoding pass then needs the repeated ids alone.

// idKey is a 128-bit hash of an external id: two seeded 64-bit hashes, so
// that two ids share a key with odds of about n²/2¹²⁹ for n rows.
type idKey [2]uint64

// dupChunk is how many entries the finder sorts in memory (24 MB).
var dupChunk = 1 << 20

// dupEntry is one row's id hash and line.
type dupEntry struct {
	k    idKey
	line int32
}

func (a dupEntry) compare(b dupEntry) int {
	return cmp.Or(cmp.Compare(a.k[0], b.k[0]), cmp.Compare(a.k[1], b.k[1]), cmp.Compare(a.line, b.line))
}

// dupFinder collects (id hash, line) pairs and finds the repeated hashes.
type dupFinder struct {
	seeds [2]maphash.Seed
	buf   []dupEntry
	runs  []*os.File
}

func newDupFinder() *dupFinder {
	return &dupFinder{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// key returns the hash of an external id.
func (f *dupFinder) key(id string) idKey {
	return idKey{maphash.String(f.seeds[0], id), maphash.String(f.seeds[1], id)}
}

// add records the id of the row on line.
func (f *dupFinder) add(id string, line int) error {
	f.buf = append(f.buf, dupEntry{f.key(id), int32(min(line, 1<<31-1))})
	if len(f.buf) >= dupChunk {
		return f.spill()
	}
	return nil
}

// spill sorts the buffer and writes it to a temporary file as a run.
func (f *dupFinder) spill() error {
	slices.SortFunc(f.buf, dupEntry.compare)
	file, err := os.CreateTemp("", "rumbo-ids-*")
	if err != nil {
		return fmt.Errorf("spill external ids: %w", err)
	}
	os.Remove(file.Name()) // unlinked: gone when closed, whatever happens
	f.runs = append(f.runs, file)
	w := bufio.NewWriter(file)
	var b [20]byte
	for _, e := range f.buf {
		binary.LittleEndian.PutUint64(b[0:], e.k[0])
		binary.LittleEndian.PutUint64(b[8:], e.k[1])
		binary.LittleEndian.PutUint32(b[16:], uint32(e.line))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("spill external ids: %w", err)
	}
	f.buf = f.buf[:0]
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spill external ids: %w", err)
	}
	return nil
}

// close removes the runs.
func (f *dupFinder) close() {
	for _, r := range f.runs {
		r.Close()
	}
	f.runs, f.buf = nil, nil
}

// repeated returns the hashes seen more than once, each with the first
// line it was seen on, and releases the finder.
func (f *dupFinder) repeated() (map[idKey]int32, error) {
	defer f.close()
	out := map[idKey]int32{}
	var prev dupEntry
	first := true
	see := func(e dupEntry) {
		if !first && e.k == prev.k {
			if _, ok := out[e.k]; !ok {
				out[e.k] = prev.line
			}
		} else {
			prev = e
		}
		first = false
	}
	if len(f.runs) == 0 {
		slices.SortFunc(f.buf, dupEntry.compare)
		for _, e := range f.buf {
			see(e)
		}
		return out, nil
	}
	if len(f.buf) > 0 {
		if err := f.spill(); err != nil {
			return nil, err
		}
	}
	h := &runHeap{}
	for _, r := range f.runs {
		rr := &run{r: bufio.NewReader(r)}
		if ok, err := rr.next(); err != nil {
			return nil, err
		} else if ok {
			h.rs = append(h.rs, rr)
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		rr := h.rs[0]
		see(rr.cur)
		if ok, err := rr.next(); err != nil {
			return nil, err
		} else if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return out, nil
}

// run reads one sorted run back.
type run struct {
	r   *bufio.Reader
	cur dupEntry
}

func (r *run) next() (bool, error) {
	var b [20]byte
	if _, err := io.ReadFull(r.r, b[:]); errors.Is(err, io.EOF) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read spilled external ids: %w", err)
	}
	r.cur = dupEntry{idKey{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])},
		int32(binary.LittleEndian.Uint32(b[16:]))}
	return true, nil
}

// runHeap orders runs by their current entry.
type runHeap struct{ rs []*run }

func (h *runHeap) Len() int           { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool { return h.rs[i].cur.compare(h.rs[j].cur) < 0 }
func (h *runHeap) Swap(i, j int)      { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)         { h.rs = append(h.rs, x.(*run)) }
func (h *runHeap) Pop() any {
	x := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return x
}
