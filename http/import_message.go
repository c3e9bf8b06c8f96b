package http

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/importer"
)

// The messages of jobs that failed for want of the server, in English as
// the API shows them; the API adds their code (messageCodes) and the web
// app translates them (jobMessage).
const (
	msgStoppedBefore = "the server stopped before the import ran"
	msgStoppedDuring = "the server stopped during the import; nothing was imported"
	msgUnfinished    = "the server stopped before the import finished; nothing was imported"
	msgInternal      = "internal error"
)

// messageCodes are the codes of the server's own job messages, stable for
// programs and translations (docs/api.md lists them).
var messageCodes = map[string]string{
	msgStoppedBefore: "stopped_before",
	msgStoppedDuring: "stopped_during",
	msgUnfinished:    "stopped_unfinished",
	msgInternal:      "internal",
}

// FailUnfinishedImports marks failed the jobs a previous process left
// queued or running, as a server does before it starts, and returns how
// many it marked. The message is this package's, so that the API gives it
// its code and the web app its translation.
func FailUnfinishedImports(ctx context.Context, store rumbo.ImportService, now time.Time) (int, error) {
	return store.FailUnfinishedImports(ctx, msgUnfinished, now)
}

// placeFileError names the uploaded file, not its temporary copy, in an
// importer error: a FileError gets the name as its file, any other domain
// error has the path replaced in its message.
func placeFileError(err error, path, name string) error {
	var fe *importer.FileError
	if errors.As(err, &fe) {
		out := *fe
		if out.File == path {
			out.File = name
		}
		return &out
	}
	if rumbo.ErrorCode(err) == rumbo.EINTERNAL {
		return err
	}
	return rumbo.Errorf(rumbo.ErrorCode(err), "%s", strings.ReplaceAll(rumbo.ErrorMessage(err), path, name))
}

// messageCode is the code and arguments of a job's message when the server
// or the importer's report wrote it; a file's problem has its code among
// the job's errors instead.
func messageCode(j *rumbo.ImportJob) (string, []string) {
	if code, ok := messageCodes[j.Message]; ok {
		return code, nil
	} else if j.Message != "" && j.Message == importer.RejectedMessage(j.File, j.Rejected) {
		return "rejected", []string{j.File, strconv.Itoa(j.Rejected)}
	}
	return "", nil
}
