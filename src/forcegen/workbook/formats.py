"""Excel number formats shared by every workbook forcegen writes (plan, comparison, sweep)."""

INT = "#,##0"
COST = "#,##0.0"
PCT100 = "0.0"  # values already in percent (0..100)
FRACTION_PCT = "0.0%"  # values in 0..1 shown as percent
WEIGHTED = "#,##0.0#"
PROB = "0.000"
TONNES = "#,##0.0##"  # t/day of supply (SPEC 5.1)

# signed variants, for deltas: +12 / -3 / 0
SINT = "+#,##0;-#,##0;0"
SCOST = "+#,##0.0;-#,##0.0;0.0"
SPCT100 = "+0.0;-0.0;0.0"
SWEIGHTED = "+#,##0.0#;-#,##0.0#;0"
SFRACTION_PCT = "+0.0%;-0.0%;0.0%"
STONNES = "+#,##0.0##;-#,##0.0##;0"
