"""Everything with a screen: the Textual onboarding and settings, and the inline flow."""
