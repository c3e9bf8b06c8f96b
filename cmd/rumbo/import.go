package main

import (
	"fmt"
	"runtime/debug"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	rhttp "github.com/rumbo-app/rumbo/http"
	"github.com/rumbo-app/rumbo/importer"
)

// importMemoryLimit is rumbo import's soft memory limit (runtime/debug),
// unless GOMEMLIMIT sets another.
const importMemoryLimit = 128 << 20

func (a *app) importCommand() *cobra.Command {
	var (
		entity, mappingPath     string
		skipInvalid, strictRefs bool
	)
	cmd := &cobra.Command{
		Use:   "import --entity ENTITY [--mapping FILE.yaml] FILE...",
		Short: "Import CSV files (all or nothing per file, idempotent by external id)",
		Long: `import reads CSV files of one entity and upserts their records by external id.
Each file is imported whole or not at all: one bad row rejects the file and every
bad row is reported as file:line:column: reason. Use "-" to read standard input.
See docs/import.md for the canonical headers and the mapping file format.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			var mapping *importer.Mapping
			if mappingPath != "" {
				m, err := importer.LoadMapping(mappingPath)
				if err != nil {
					return err
				}
				mapping = m
				if entity == "" {
					entity = string(m.Entity)
				}
			}
			e, err := rumbo.ParseEntity(entity)
			if err != nil {
				return err
			}
			if a.getenv("GOMEMLIMIT") == "" {
				// Near this soft limit the garbage collector runs more often
				// instead of letting the heap double, so that a big file's
				// import stays within a bounded resident memory.
				debug.SetMemoryLimit(importMemoryLimit)
			}
			// The server's GC target: an import allocates much and keeps
			// little, and the memory limit bounds the heap anyway (100k
			// deals: 1.87 → 1.79 s; 1M: 15.9 → 14.6 s, peak RSS 159 MB).
			rhttp.TuneGC(a.getenv)
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			loc, err := org.Location()
			if err != nil {
				return err
			}
			failed := 0
			since := a.now()
			for _, path := range files {
				opts := importer.Options{
					Entity: e, Mapping: mapping, Location: loc, Currency: org.Currency,
					SkipInvalid: skipInvalid, StrictRefs: strictRefs, Now: a.now(), Stdin: a.stdin,
				}
				var bar *progressbar.ProgressBar
				if isTerminal(a.stderr) {
					bar = progressbar.DefaultBytes(-1, "importing "+path)
					opts.Progress = func(read, total int64) {
						bar.ChangeMax64(total)
						bar.Set64(read)
					}
				}
				rep, err := importer.ImportFile(ctx, db, org.ID, path, opts)
				if bar != nil {
					bar.Finish()
					fmt.Fprintln(a.stderr)
				}
				if rep != nil {
					for _, re := range rep.Errors {
						fmt.Fprintln(a.stderr, re.String())
					}
					a.printf("%s\n", rep.Summary())
				}
				if err != nil {
					failed++
					fmt.Fprintln(a.stderr, "rumbo:", rumbo.ErrorMessage(err))
				}
			}
			if failed < len(files) {
				a.snapshotOKRs(ctx, db, org, since)
			}
			if failed > 0 {
				return errSilent
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&entity, "entity", "", "entity of the files: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries (default: the mapping's)")
	cmd.Flags().StringVar(&mappingPath, "mapping", "", "YAML mapping file for a non-canonical layout")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "import the good rows of a file with bad rows (still reported)")
	cmd.Flags().BoolVar(&strictRefs, "strict-refs", false, "reject rows that refer to missing people, teams, markets, campaigns or leads instead of creating them")
	return cmd
}
