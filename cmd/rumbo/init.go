package main

import (
	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
)

func (a *app) initCommand() *cobra.Command {
	var name, tz, currency string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the database and its organisation",
		Long: `init creates the database (a SQLite file, or the schema in a PostgreSQL
database) and the organisation named by --org, "default" unless told.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx, true)
			if err != nil {
				return err
			}
			defer db.Close()
			if org, err := db.FindOrg(ctx, a.cfg.Org); err == nil {
				a.printf("Organisation %q already exists in %s (time zone %s, currency %s).\n", org.Slug, a.cfg.DB, org.TimeZone, org.Currency)
				return nil
			}
			org := &rumbo.Org{Slug: a.cfg.Org, Name: name, TimeZone: tz, Currency: currency}
			if _, err := (&rumbo.Org{TimeZone: orDefault(tz, rumbo.DefaultTimeZone)}).Location(); err != nil {
				return rumbo.Errorf(rumbo.EINVALID, "--timezone: unknown time zone %q", tz)
			}
			if err := db.CreateOrg(ctx, org); err != nil {
				return err
			}
			a.printf("Created organisation %q in %s (time zone %s, currency %s).\n", org.Slug, a.cfg.DB, org.TimeZone, org.Currency)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "organisation display name (default: the slug)")
	cmd.Flags().StringVar(&tz, "timezone", rumbo.DefaultTimeZone, "IANA time zone periods are cut in")
	cmd.Flags().StringVar(&currency, "currency", rumbo.DefaultCurrency, "ISO 4217 currency of every amount")
	return cmd
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
