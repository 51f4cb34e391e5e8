-- The dashboard's headline measure computed straight from the base tables, for the T3 comparison:
-- "babies with all three messages at each universal contact point", by month.
--
-- For each baby b of family f and each contact point P, the contacts of f of P's types whose local
-- (Europe/London) date is between ref - 294 days and ref + 365 days, where ref is the date of birth,
-- or the expected delivery date when the baby is not born. If there is at least one, the baby counts
-- once in P's denominator, in the month of the earliest such contact, for that contact's agency and
-- the family's postcode district. It counts in the numerator when the messages given at those
-- contacts (to anyone) include all three.
--
-- Parameters (psycopg style): from_month and to_month 'YYYY-MM' or '' for no bound; agency an agency
-- id or 0 for every agency; district a postcode district or '' for all; point a contact point or ''.
WITH points (point, contact_type) AS (
  VALUES ('antenatal', 'antenatal_booking'), ('antenatal', 'hv_antenatal'), ('birth', 'birth_discharge'),
         ('new_baby_review', 'new_baby_review'), ('six_eight_week', 'six_eight_week_review'),
         ('six_eight_week', 'gp_six_eight_week')
),
babies AS (
  SELECT b.id AS baby_id, b.family_id, COALESCE(b.date_of_birth, b.expected_delivery_date) AS ref,
         split_part(f.postcode, ' ', 1) AS district
  FROM families_baby b JOIN families_family f ON f.id = b.family_id
  WHERE %(district)s = '' OR f.postcode LIKE %(district)s || ' %%'
),
hits AS (
  SELECT bb.baby_id, p.point, c.id AS contact_id, c.at, c.agency_id, bb.district
  FROM babies bb
  JOIN contacts_contact c ON c.family_id = bb.family_id
  JOIN points p ON p.contact_type = c.contact_type
  WHERE (c.at AT TIME ZONE 'Europe/London')::date BETWEEN bb.ref - 294 AND bb.ref + 365
    AND (%(point)s = '' OR p.point = %(point)s)
),
firsts AS (
  SELECT DISTINCT ON (baby_id, point) baby_id, point, at, agency_id, district,
         to_char(at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month
  FROM hits
  ORDER BY baby_id, point, at, contact_id
),
given AS (
  SELECT h.baby_id, h.point, count(DISTINCT d.message) AS messages
  FROM hits h JOIN contacts_messagedelivery d ON d.contact_id = h.contact_id
  GROUP BY h.baby_id, h.point
)
SELECT f.month, f.point, count(*) AS denominator, count(*) FILTER (WHERE g.messages = 3) AS numerator
FROM firsts f LEFT JOIN given g ON g.baby_id = f.baby_id AND g.point = f.point
WHERE (%(from_month)s = '' OR f.month >= %(from_month)s)
  AND (%(to_month)s = '' OR f.month <= %(to_month)s)
  AND (%(agency)s = 0 OR f.agency_id = %(agency)s)
GROUP BY f.month, f.point
ORDER BY f.month, f.point
