Feature: Client users sign in with their own firm's identity provider
  A client (tenant) may have its own identity provider: its staff sign in
  through it, chosen by their email domain or the tenant, and can only ever
  be members of that tenant, whatever its provider asserts.

  Background:
    Given the firm's identity provider and Charter connected to it
    And tenants "acme" and "globex"
    And "acme" signs its users in with its own identity provider for "acme-corp.example"

  Scenario: A client user signs in through the client's provider
    Given "cfo@acme-corp.example" is a viewer of "acme"
    When the client user "cfo@acme-corp.example" signs in
    Then the sign-in went through the client's provider
    And "GET /api/v1/me" of the client user lists exactly "acme" as viewer
    And the client's access tokens are accepted for "acme" but grant no platform role

  Scenario: A client's provider reaches no other tenant
    Given "cfo@acme-corp.example" is a viewer of "acme"
    And "cfo@acme-corp.example" is a viewer of "globex"
    When the client user "cfo@acme-corp.example" signs in
    Then "GET /api/v1/me" of the client user lists exactly "acme" as viewer
    And the client user gets 403 or 404 listing the entities of "globex"

  Scenario: A client's provider cannot claim the firm's staff
    Given "sam@firm.example" is an editor of "acme" and a viewer of "globex" at the identity provider's firm
    When the client's provider signs in a user who claims to be "sam@firm.example"
    Then that user can open "acme" at most and not "globex"

  Scenario Outline: Bad identity provider settings are refused
    When the identity provider of "globex" is set <fault>
    Then the response status is <status> naming "<field>" and nothing is set

    Examples:
      | fault                                 | status | field         |
      | by a tenant admin                     | 403    |               |
      | with an http issuer off loopback      | 422    | issuer        |
      | with an issuer that does not answer   | 422    | issuer        |
      | with a domain of another tenant       | 422    | email_domains |
      | with the firm's own issuer            | 422    | issuer        |
      | without email domains                 | 422    | email_domains |
