//! Official code lists, parsed from the files their publishers distribute:
//! ISO 3166-1 and ISO 3166-2 (Debian's iso-codes JSON) and the ISO 20275
//! Entity Legal Forms list (GLEIF's CSV).

use std::collections::BTreeMap;

use serde::Deserialize;

/// A country (`DE`) or a subdivision (`US-DE`), as GLEIF spells jurisdictions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Jurisdiction {
    pub code: String,
    /// The ISO 3166-1 alpha-2 country (itself, for a country).
    pub country: String,
    pub name: String,
    /// `country`, or the subdivision's type ("State", "Land", "Parish", …).
    pub category: String,
    /// The parent subdivision code, for subdivisions nested in another.
    pub parent: Option<String>,
}

/// An ELF code and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegalForm {
    pub code: String,
    /// ISO 3166-1 country, `None` for 8888 and 9999.
    pub country: Option<String>,
    /// ISO 3166-2 subdivision, for forms of one subdivision only.
    pub subdivision: Option<String>,
    /// `ACTV` or `INAC`.
    pub status: String,
    pub created_on: Option<String>,
    /// One per language, in the list's order.
    pub names: Vec<LegalFormName>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegalFormName {
    pub language: String,
    pub language_code: String,
    pub local_name: String,
    pub transliterated_name: String,
    pub abbreviations_local: String,
    pub abbreviations_transliterated: String,
}

/// ELF codes that stand for no listed form: 8888 (form not yet listed) and
/// 9999 (no separate legal form). An entity using one states its form as text.
pub const UNLISTED_FORMS: [&str; 2] = ["8888", "9999"];

/// A file that is not what its publisher distributes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ReferenceError {
    pub file: &'static str,
    pub message: String,
}

fn error(file: &'static str, message: impl Into<String>) -> ReferenceError {
    ReferenceError { file, message: message.into() }
}

/// Countries from iso-codes' `iso_3166-1.json`.
pub fn parse_iso3166_1(json: &str) -> Result<Vec<Jurisdiction>, ReferenceError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "3166-1")]
        countries: Vec<Country>,
    }
    #[derive(Deserialize)]
    struct Country {
        alpha_2: String,
        name: String,
    }
    let file: File = serde_json::from_str(json).map_err(|e| error("ISO 3166-1", e.to_string()))?;
    let mut countries: Vec<Jurisdiction> = file
        .countries
        .into_iter()
        .map(|c| Jurisdiction {
            country: c.alpha_2.clone(),
            code: c.alpha_2,
            name: c.name,
            category: "country".into(),
            parent: None,
        })
        .collect();
    if let Some(bad) = countries.iter().find(|c| c.code.len() != 2 || !c.code.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(error("ISO 3166-1", format!("{} is not an alpha-2 code", bad.code)));
    }
    countries.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(countries)
}

/// Subdivisions from iso-codes' `iso_3166-2.json`.
pub fn parse_iso3166_2(json: &str) -> Result<Vec<Jurisdiction>, ReferenceError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "3166-2")]
        subdivisions: Vec<Subdivision>,
    }
    #[derive(Deserialize)]
    struct Subdivision {
        code: String,
        name: String,
        #[serde(rename = "type")]
        category: String,
        parent: Option<String>,
    }
    let file: File = serde_json::from_str(json).map_err(|e| error("ISO 3166-2", e.to_string()))?;
    let mut subdivisions = Vec::with_capacity(file.subdivisions.len());
    for s in file.subdivisions {
        let (country, _) = s
            .code
            .split_once('-')
            .ok_or_else(|| error("ISO 3166-2", format!("{} is not a subdivision code", s.code)))?;
        subdivisions.push(Jurisdiction {
            country: country.to_owned(),
            parent: s.parent.map(|p| format!("{country}-{p}")),
            code: s.code,
            name: s.name,
            category: s.category,
        });
    }
    subdivisions.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(subdivisions)
}

/// The ELF code list (GLEIF's CSV, one row per code and language).
pub fn parse_elf_csv(csv_text: &str) -> Result<Vec<LegalForm>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().map_err(|e| error("ELF code list", e.to_string()))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| error("ELF code list", format!("no column {name:?}")))
    };
    let (
        code,
        country,
        subdivision,
        local,
        language,
        language_code,
        transliterated,
        abbr_local,
        abbr_translit,
        created,
        status,
    ) = (
        column("ELF Code")?,
        column("Country Code (ISO 3166-1)")?,
        column("Country sub-division code (ISO 3166-2)")?,
        column("Entity Legal Form name Local name")?,
        column("Language")?,
        column("Language Code (ISO 639-1)")?,
        column("Entity Legal Form name Transliterated name (per ISO 01-140-10)")?,
        column("Abbreviations Local language")?,
        column("Abbreviations transliterated")?,
        column("Date created YYYY-MM-DD (ISO 8601)")?,
        column("ELF Status ACTV/INAC")?,
    );
    let mut forms: BTreeMap<String, LegalForm> = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| error("ELF code list", format!("row {}: {e}", line + 2)))?;
        let field = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
        let optional = |i: usize| Some(field(i)).filter(|v| !v.is_empty());
        let elf = field(code);
        if elf.len() != 4 || !elf.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(error("ELF code list", format!("row {}: {elf:?} is not an ELF code", line + 2)));
        }
        let form = forms.entry(elf.clone()).or_insert_with(|| LegalForm {
            code: elf.clone(),
            country: optional(country),
            subdivision: optional(subdivision),
            status: field(status),
            created_on: optional(created),
            names: Vec::new(),
        });
        // A code is active if any of its rows is.
        if field(status) == "ACTV" {
            form.status = "ACTV".into();
        }
        if optional(local).is_some() || optional(transliterated).is_some() {
            form.names.push(LegalFormName {
                language: field(language),
                language_code: field(language_code),
                local_name: field(local),
                transliterated_name: field(transliterated),
                abbreviations_local: field(abbr_local),
                abbreviations_transliterated: field(abbr_translit),
            });
        }
    }
    if forms.len() < 2 {
        return Err(error("ELF code list", "no codes"));
    }
    Ok(forms.into_values().collect())
}

/// Whether `form` may be used in `jurisdiction` (`DE`, `US-DE`): a form of
/// the jurisdiction itself, or of its country (for a subdivision), or one of
/// the unlisted-form codes.
pub fn form_fits(form: &LegalForm, jurisdiction: &str) -> bool {
    if UNLISTED_FORMS.contains(&form.code.as_str()) {
        return true;
    }
    let country = jurisdiction.split('-').next().unwrap_or(jurisdiction);
    match (&form.country, &form.subdivision) {
        (_, Some(subdivision)) => subdivision == jurisdiction,
        (Some(form_country), None) => form_country == country,
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(code: &str, country: Option<&str>, subdivision: Option<&str>) -> LegalForm {
        LegalForm {
            code: code.into(),
            country: country.map(Into::into),
            subdivision: subdivision.map(Into::into),
            status: "ACTV".into(),
            created_on: None,
            names: vec![],
        }
    }

    #[test]
    fn forms_fit_their_jurisdictions() {
        let gmbh = form("2HBR", Some("DE"), None);
        let delaware_corp = form("XTIQ", Some("US"), Some("US-DE"));
        assert!(form_fits(&gmbh, "DE"));
        assert!(form_fits(&gmbh, "DE-BY"), "a country's form fits its subdivisions");
        assert!(!form_fits(&gmbh, "FR"));
        assert!(form_fits(&delaware_corp, "US-DE"));
        assert!(!form_fits(&delaware_corp, "US-NY"));
        assert!(!form_fits(&delaware_corp, "US"));
        assert!(form_fits(&form("8888", None, None), "FR"));
    }

    #[test]
    fn parses_the_shipped_lists() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reference/");
        let read = |f: &str| std::fs::read_to_string(format!("{root}{f}")).unwrap();
        let countries = parse_iso3166_1(&read("iso_3166-1.json")).unwrap();
        assert_eq!(countries.len(), 249);
        let subdivisions = parse_iso3166_2(&read("iso_3166-2.json")).unwrap();
        assert_eq!(subdivisions.len(), 5127);
        assert!(subdivisions.iter().any(|s| s.code == "US-DE" && s.country == "US"));
        let forms = parse_elf_csv(&read("iso-20275-elf-code-list-v1.6-2026-02-19.csv")).unwrap();
        assert_eq!(forms.len(), 3599);
        let gmbh = forms.iter().find(|f| f.code == "2HBR").unwrap();
        assert_eq!(gmbh.names[0].local_name, "Gesellschaft mit beschränkter Haftung");
        assert_eq!(gmbh.country.as_deref(), Some("DE"));
    }

    #[test]
    fn refuses_other_files() {
        assert!(parse_iso3166_1("{}").is_err());
        assert!(parse_elf_csv("a,b\n1,2\n").is_err());
    }
}
