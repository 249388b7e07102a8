-- The intel view (dashboard search, API object list, "export this view")
-- filters by type across collections, and an object's page looks up the
-- latest relationships and sightings that refer to it: both walk the
-- latest versions of one type in date_added order.
CREATE INDEX stix_objects_type_latest ON stix_objects(type, is_latest, date_added);
