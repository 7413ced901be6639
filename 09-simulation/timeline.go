package sim

import (
	"io"

	"github.com/anishathalye/porcupine"
)

// WriteTimeline writes the run's timeline as a web page: porcupine's
// visualization of the client history, one row per client, with the
// linearization it found (or, for an illegal history, the longest partial
// one, and the operation that could not go next), annotated with the
// servers' events, one row per server: elections, crashes and restarts,
// and a row for the network's partitions. A failure found by a checker is
// marked at its time.
func (r *Result) WriteTimeline(w io.Writer) error {
	_, info := porcupine.CheckOperationsVerbose(kvModel, r.history, r.checkTime)
	notes := r.annotations
	if f := r.Failure; f != nil {
		notes = append(notes, porcupine.Annotation{
			Tag: "checker", Start: int64(f.At), End: int64(f.At),
			Description: f.Property, Details: f.Detail, BackgroundColor: "#ff6b6b",
		})
	}
	info.AddAnnotations(notes)
	return porcupine.Visualize(kvModel, info, w)
}
