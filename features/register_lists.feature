Feature: Lists and search
  Lists and searches answer as of a date, page by cursor, and find names
  whatever their case, accents and punctuation.

  Background:
    Given these entities, registered from 2020-01-01:
      | legal_name                    | jurisdiction | status  | tags         | registration_number |
      | Müller & Söhne GmbH           | DE           | active  | holding      | HRB 123 45          |
      | Atlas Capital Europe S.à r.l. | LU           | active  | holding, spv | B 98765             |
      | Atlas Foods Ltd               | GB           | dormant | operating    | 01234567            |
      | Northwind Trading Inc.        | US-DE        | active  | operating    | 7654321             |

  Scenario: A search ignores case, accents and punctuation
    When I search the register for "MULLER sohne"
    Then the entities found are "Müller & Söhne GmbH"

  Scenario: A search for several words finds the entities that have them all
    When I search the register for "atlas eur"
    Then the entities found are "Atlas Capital Europe S.à r.l."
    When I search the register for "atlas"
    Then the entities found are "Atlas Capital Europe S.à r.l., Atlas Foods Ltd"

  Scenario: An identifier is found written with or without its spaces
    When I search the register for "HRB12345"
    Then the entities found are "Müller & Söhne GmbH"
    When I search the register for "98765"
    Then the entities found are "Atlas Capital Europe S.à r.l."

  Scenario: Filters combine
    When I list the entities with "status=active&tag=holding"
    Then the entities found are "Müller & Söhne GmbH, Atlas Capital Europe S.à r.l."
    When I list the entities with "jurisdiction=GB"
    Then the entities found are "Atlas Foods Ltd"
    When I list the entities with "status=dormant&q=atlas"
    Then the entities found are "Atlas Foods Ltd"

  Scenario: Paging by name shows every entity once, in order
    When I page through the entities sorted by legal name, 1 per page
    Then the entities found are "Atlas Capital Europe S.à r.l., Atlas Foods Ltd, Müller & Söhne GmbH, Northwind Trading Inc." in that order

  Scenario: Lists and searches answer as of a date
    Given "Atlas Foods Ltd" is renamed "Zenith Foods Ltd" effective 2031-01-01
    When I search the register for "zenith"
    Then no entity is found
    When I search the register for "zenith" as of 2031-06-01
    Then the entities found are "Zenith Foods Ltd"
    When I page through the entities sorted by legal name as of 2031-06-01, 3 per page
    Then the entities found are "Atlas Capital Europe S.à r.l., Müller & Söhne GmbH, Northwind Trading Inc., Zenith Foods Ltd" in that order
    When I list the entities with "as_of=2019-12-31"
    Then no entity is found

  Scenario: Entities where a person holds an appointment
    Given "Jane Doe" appointed director of "Northwind Trading Inc." on 2021-03-01 and ceased on 2024-02-29
    When I list the entities where "Jane Doe" holds an appointment as of 2023-01-01
    Then the entities found are "Northwind Trading Inc."
    When I list the entities where "Jane Doe" holds an appointment as of 2024-03-01
    Then no entity is found

  Scenario: The legal-form picker completes codes and names within a jurisdiction
    Then the legal forms of "US-DE" matching "XT" include "XTIQ"
    And the legal forms of "US-DE" matching "corporation" include "XTIQ"
    And the legal forms of "FR" matching "2HBR" are none
