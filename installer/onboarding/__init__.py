"""The first-run onboarding without a screen: the wizard's state (``wizard``) and
``setup``'s decision path. The screens that show it live in ``doorstep.tui``."""
