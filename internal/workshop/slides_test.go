package workshop

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDeck(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	write("solutions/01-x/x.go", "package x\n\nfunc Given() {}\n\nfunc Todo() {\n\t//workshop:todo Write it.\n\tprintln()\n\t//workshop:end\n}\n")
	const head = "# Deck\nSubtitle\n\nAuthor\n\n## Slide\n\n"
	write("slides/good.slide", head+".code ../solutions/01-x/x.go /^func Given/\n.code ../solutions/01-x/x.go /println/\n")
	write("slides/marker.slide", head+".code ../solutions/01-x/x.go /^func Todo/,/^}/\n")
	write("slides/missing.slide", head+".code ../solutions/01-x/nope.go\n")
	w := &Workshop{Root: root}

	n, err := w.parseDeck("slides/good.slide")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "two .code references")

	_, err = w.parseDeck("slides/marker.slide")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "shows a //workshop: marker line")

	_, err = w.parseDeck("slides/missing.slide")
	require.Error(t, err, "a .code reference to a missing file")
}
