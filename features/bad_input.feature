Feature: Bad input gets a clear 4xx and changes nothing
  Background:
    Given tenants "acme" and "globex" onboarded with placement "shared"

  Scenario Outline: Refused requests
    When <caller> sends <request>
    Then the response status is <status> with problem code "<code>"
    And the problem names "<field>"
    And nothing was written

    Examples:
      | caller          | request                                                  | status | code                   | field     |
      | the admin       | an onboarding request with slug "Bad_Slug!"              | 422    | validation_failed      | slug      |
      | the admin       | an onboarding request with placement "cloud"             | 422    | validation_failed      | placement |
      | the admin       | an onboarding request without a name                     | 422    | validation_failed      | name      |
      | the admin       | an onboarding request with an unknown field "plan"       | 422    | validation_failed      | plan      |
      | the admin       | an onboarding request with invalid JSON                  | 400    | invalid_json           | -         |
      | the admin       | an onboarding request that is not JSON                   | 415    | unsupported_media_type | -         |
      | the admin       | an onboarding request of 100 KiB                         | 413    | payload_too_large      | -         |
      | "acme"'s key    | an onboarding request for "evil"                         | 403    | forbidden              | -         |
      | nobody          | an entity for tenant "acme"                              | 401    | unauthenticated        | -         |
      | a forged key    | an entity for tenant "acme"                              | 401    | invalid_credentials    | -         |
      | "globex"'s key  | an entity for tenant "acme"                              | 404    | tenant_not_found       | -         |
      | a viewer of "acme" | an entity for tenant "acme"                           | 403    | forbidden              | -         |
      | "acme"'s key    | an entity for tenant "no-such-tenant"                    | 404    | tenant_not_found       | -         |
      | "acme"'s key    | an entity for tenant "Not A Slug"                        | 400    | invalid_path_parameter | slug      |
      | "acme"'s key    | an entity with an empty legal name                       | 422    | validation_failed      | legal_name |
      | "acme"'s key    | an entity with jurisdiction "Germany"                    | 422    | validation_failed      | jurisdiction |
      | "acme"'s key    | an entity with a legal name of 501 characters            | 422    | validation_failed      | legal_name |
      | "acme"'s key    | a request for entity "not-a-uuid"                        | 400    | invalid_path_parameter | id        |
      | "acme"'s key    | a list of entities with limit "0"                        | 400    | invalid_query_parameter | limit    |
