package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// source is a file to import, checked and ready to be read any number of
// times: standard input is spooled to a temporary file first.
type source struct {
	path   string // the file read
	name   string // the file as named in messages
	size   int64
	bom    bool // starts with a UTF-8 byte order mark
	cp1252 bool // not valid UTF-8: read as Windows-1252
	comma  rune // the delimiter
	tmp    bool // path is a temporary spool to remove on close
}

const bufSize = 256 << 10

// openSource checks the file named path ("-" for standard input): it must
// exist and be non-empty text. It detects the encoding and the delimiter.
func openSource(path string, stdin io.Reader) (*source, error) {
	s := &source{path: path, name: path}
	if path == "-" {
		s.name = "stdin"
		f, err := os.CreateTemp("", "rumbo-import-*.csv")
		if err != nil {
			return nil, fmt.Errorf("spool stdin: %w", err)
		}
		s.path, s.tmp = f.Name(), true
		_, err = io.Copy(f, stdin)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.close()
			return nil, fmt.Errorf("spool stdin: %w", err)
		}
	}
	if err := s.scan(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// close removes a spooled temporary file.
func (s *source) close() {
	if s.tmp {
		os.Remove(s.path)
	}
}

// scan reads the raw bytes once: binary data is refused, and bytes that are
// not valid UTF-8 make the file Windows-1252.
func (s *source) scan() error {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return NewFileError(s.name, 0, ErrFileNotFound)
	} else if err != nil {
		return NewFileError(s.name, 0, ErrFileOpen, fmt.Sprint(errors.Unwrap(err)))
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return fmt.Errorf("stat %s: %w", s.name, err)
	} else if fi.IsDir() {
		return NewFileError(s.name, 0, ErrFileDirectory)
	} else {
		s.size = fi.Size()
	}

	buf := make([]byte, bufSize)
	carry := 0 // bytes of an incomplete UTF-8 sequence kept from the last chunk
	line, text, first := 1, false, true
	for {
		n, err := io.ReadFull(f, buf[carry:])
		chunk := buf[:carry+n]
		if first {
			first = false
			if bytes.HasPrefix(chunk, []byte{0xFF, 0xFE}) || bytes.HasPrefix(chunk, []byte{0xFE, 0xFF}) {
				return NewFileError(s.name, 0, ErrFileUTF16)
			}
			if bytes.HasPrefix(chunk, []byte{0xEF, 0xBB, 0xBF}) {
				s.bom = true
				chunk = chunk[3:]
			}
		}
		for _, c := range chunk[carry:] {
			switch {
			case c == '\n':
				line++
			case c == ' ' || c == '\t' || c == '\r':
			case c < 0x20 && c != '\f' && c != '\v' && c != 0x1A || c == 0x7F:
				return NewFileError(s.name, line, ErrFileBinary, fmt.Sprintf("0x%02X", c))
			default:
				text = true
			}
		}
		last := len(chunk)
		if err == nil {
			// Keep a trailing, possibly incomplete, rune for the next chunk.
			for k := 1; k <= utf8.UTFMax-1 && k <= len(chunk); k++ {
				if utf8.RuneStart(chunk[len(chunk)-k]) {
					if !utf8.FullRune(chunk[len(chunk)-k:]) {
						last = len(chunk) - k
					}
					break
				}
			}
		}
		if !s.cp1252 && !utf8.Valid(chunk[:last]) {
			s.cp1252 = true
		}
		carry = copy(buf, chunk[last:])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		} else if err != nil {
			return fmt.Errorf("read %s: %w", s.name, err)
		}
	}
	if !text {
		return NewFileError(s.name, 0, ErrFileEmpty)
	}
	return nil
}

// countingReader reports the bytes read so far to a callback, at most every
// 256 KiB.
type countingReader struct {
	r        io.Reader
	n, next  int64
	progress func(n int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && (c.n >= c.next || err == io.EOF) {
		c.next = c.n + bufSize
		c.progress(c.n)
	}
	return n, err
}

// open returns a reader of the decoded text (UTF-8, no byte order mark).
// progress, if not nil, receives the raw bytes read so far.
func (s *source) open(progress func(n int64)) (*bufio.Reader, io.Closer, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", s.name, err)
	}
	var r io.Reader = f
	if progress != nil {
		r = &countingReader{r: f, progress: progress}
	}
	br := bufio.NewReaderSize(r, bufSize)
	if s.bom {
		br.Discard(3)
	}
	if s.cp1252 {
		br = bufio.NewReaderSize(charmap.Windows1252.NewDecoder().Reader(br), bufSize)
	}
	return br, f, nil
}

// detectDelimiter picks ",", ";" or a tab: the most frequent outside quotes
// on the header line, "," when there is none.
func detectDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	var counts [3]int
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			counts[0]++
		case c == ';':
			counts[1]++
		case c == '\t':
			counts[2]++
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return [3]rune{',', ';', '\t'}[best]
}
