-- Global reference data: ISO 3166 jurisdictions and ISO 20275 legal forms.
-- The same for every tenant, read-only to the application role (the schema
-- lint checks both), loaded by 0004_reference_data and refreshed in place
-- by `charter reference refresh`.

CREATE TABLE jurisdiction (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    country  text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    name     text NOT NULL,
    -- 'country', or the subdivision's type.
    category text NOT NULL,
    parent   text
);
CREATE INDEX jurisdiction_country ON jurisdiction (country, code);

CREATE TABLE legal_form (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{4}$'),
    country     text,
    subdivision text,
    status      text NOT NULL CHECK (status IN ('ACTV', 'INAC')),
    created_on  date
);
CREATE INDEX legal_form_country ON legal_form (country, subdivision);

CREATE TABLE legal_form_name (
    code                         text NOT NULL REFERENCES legal_form (code) ON DELETE CASCADE,
    position                     integer NOT NULL,
    language                     text NOT NULL,
    language_code                text NOT NULL,
    local_name                   text NOT NULL,
    transliterated_name          text NOT NULL,
    abbreviations_local          text NOT NULL,
    abbreviations_transliterated text NOT NULL,
    PRIMARY KEY (code, position)
);

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON jurisdiction, legal_form, legal_form_name FROM charter_app;
GRANT SELECT ON jurisdiction, legal_form, legal_form_name TO charter_app;
