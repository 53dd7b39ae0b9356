package redismanager

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Chunk is a piece of a document, numbered from 1. Start and End are byte
// offsets of the chunk in the document's content.
type Chunk struct {
	N          int
	Content    string
	Start, End int
}

// ChunkText splits text into chunks of `words` words, each sharing
// `overlap` words with the previous one, so a passage cut at a chunk
// boundary is still whole in one of the two chunks. Chunks keep the
// original text between their first and last word (spacing and
// punctuation included). An empty text has no chunks.
func ChunkText(text string, words, overlap int) []Chunk {
	if words <= 0 {
		words = 200
	}
	if overlap < 0 || overlap >= words {
		overlap = 0
	}
	type span struct{ start, end int }
	var spans []span
	in := false
	start := 0
	for i, r := range text {
		space := unicode.IsSpace(r)
		switch {
		case !space && !in:
			in, start = true, i
		case space && in:
			in = false
			spans = append(spans, span{start, i})
		}
	}
	if in {
		spans = append(spans, span{start, len(text)})
	}
	if len(spans) == 0 {
		return nil
	}
	var out []Chunk
	step := words - overlap
	for first := 0; ; first += step {
		last := min(first+words, len(spans)) - 1
		c := Chunk{N: len(out) + 1, Start: spans[first].start, End: spans[last].end}
		c.Content = text[c.Start:c.End]
		if !utf8.ValidString(c.Content) {
			c.Content = strings.ToValidUTF8(c.Content, "\uFFFD")
		}
		out = append(out, c)
		if last == len(spans)-1 {
			break
		}
	}
	return out
}
