-- +goose Up
-- A user's own settings, the same in every organisation: for now the
-- language of the web app ('es', 'en', or '' to follow the browser and then
-- the organisation). A user without a row has chosen nothing.

CREATE TABLE user_prefs (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    lang    TEXT NOT NULL DEFAULT ''
);
