Feature: The register refuses bad input, naming each field and rule, and writes nothing
  Background:
    Given tenants "acme" and "globex" onboarded with placement "shared"

  Scenario Outline: Refused register requests
    When "acme"'s key sends <request>
    Then the response status is 422 with problem code "validation_failed"
    And the problem names "<field>"
    And nothing was written

    Examples:
      | request                                                       | field                       |
      | an entity with LEI "5493001KJTIIGC8Y1R13"                      | lei                         |
      | an entity with legal form "2HBR" in jurisdiction "FR"          | legal_form                  |
      | an entity in the unknown jurisdiction "XX"                     | jurisdiction                |
      | an entity valid to 2020-01-01 from 2021-01-01                  | effective_to                |
      | an appointment that ceases before it starts                    | ceased_on                   |
      | an appointment of a person of tenant "globex"                  | holder.person_id            |
      | an entity with the unknown custom field "colour"               | custom_fields.colour        |
      | an entity with the number custom field "headcount" set to text | custom_fields.headcount     |
      | an entity with a legal name of 501 characters                  | legal_name                  |
      | a back-dated change without a reason                           | reason                      |
      | an appointment overlapping the same director's term            | appointed_on                |
      | an entity with the LEI of another entity of the tenant         | lei                         |
      | a change giving an entity the LEI of another entity            | lei                         |

  Scenario: An LEI identifies one entity of a tenant; another tenant keeps its own
    Given "globex" has an entity with LEI "5493001KJTIIGC8Y1R12"
    When "acme"'s key sends an entity with LEI "5493001KJTIIGC8Y1R12"
    Then the response status is 201
    When "acme"'s key sends an entity with LEI "5493001KJTIIGC8Y1R12"
    Then the response status is 422 with problem code "validation_failed"
    And the problem names "lei"
    And nothing was written

  Scenario: A wizard validates a step without writing
    When "acme"'s key sends a validation of a good entity
    Then the response status is 200
    And the validation passes
    And nothing was written
    When "acme"'s key sends a validation of an entity with legal form "2HBR" in jurisdiction "FR"
    Then the response status is 200
    And the validation names "legal_form" with rule "jurisdiction"
    And nothing was written
