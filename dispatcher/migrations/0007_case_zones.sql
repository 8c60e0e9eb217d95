-- Merging looks for an open case of a kind near a place (cases_by_kind_place) or in the same
-- camera zone: that second search gets an index of its own, so neither scans every open case.
CREATE INDEX cases_by_zone ON cases (camera, zone, kind);
