package main

import (
	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
)

func (a *app) deleteCommand() *cobra.Command {
	var entity string
	cmd := &cobra.Command{
		Use:   "delete --entity ENTITY EXTERNAL_ID...",
		Short: "Delete records by external id (all or none)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			e, err := rumbo.ParseEntity(entity)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, org, err := a.openOrg(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			since := a.now()
			if err := db.Delete(ctx, org.ID, e, ids); err != nil {
				return err
			}
			a.snapshotOKRs(ctx, db, org, since)
			a.printf("Deleted %d %s.\n", len(ids), e)
			return nil
		},
	}
	cmd.Flags().StringVar(&entity, "entity", "", "entity: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries")
	cmd.MarkFlagRequired("entity")
	return cmd
}
