-- Shop grading (三色等级): each registered shop's colour, since when it holds it, and when its
-- last counted case was filed. The reasons for every change are in the audit chain, whose entries
-- for a shop have the subject `shop:ID` in case_id.
CREATE TABLE shop_grades (
    shop TEXT PRIMARY KEY,
    grade TEXT NOT NULL,
    since BIGINT NOT NULL,
    last_case_at BIGINT
);
-- A shop's counted cases in its window.
CREATE INDEX cases_by_shop ON cases (shop, filed_at);
