Feature: Tenant settings chosen at onboarding
  The modules a client uses and the jurisdictions its new entities default
  to are settings of the tenant, changed by its admins and audited.

  Scenario: Modules and default jurisdictions are kept and audited
    Then the tenant uses every module and has no default jurisdiction
    When the tenant admin sets the modules to "register, structure" and the default jurisdictions to "US-DE, GB"
    Then the settings say modules "register, structure" and default jurisdictions "US-DE, GB", audited

  Scenario Outline: Bad module or jurisdiction settings get 422 naming the field, and nothing changes
    When the tenant admin sets the settings to <body>
    Then the response status is 422 naming "<field>" and the settings are unchanged

    Examples:
      | body                                          | field                    |
      | {"modules": ["register", "filings"]}          | modules                  |
      | {"modules": []}                               | modules                  |
      | {"default_jurisdictions": ["ZZ"]}             | default_jurisdictions[0] |
      | {"default_jurisdictions": ["gb-nowhere"]}     | default_jurisdictions[0] |
      | {"default_jurisdictions": "GB"}               | default_jurisdictions    |
