package main

import (
	"github.com/spf13/cobra"
)

func (a *app) backupCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent online copy of the SQLite database to FILE",
		Long: `backup writes a consistent copy of the SQLite database while Rumbo keeps
running (VACUUM INTO). On PostgreSQL use pg_dump; see docs/operations.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Backup(ctx, args[0]); err != nil {
				return err
			}
			a.printf("Backup written to %s.\n", args[0])
			return nil
		},
	}
}
