-- Merging and recurrence look for cases of a kind near a place.
CREATE INDEX cases_by_kind_place ON cases (kind, lat, lon);
