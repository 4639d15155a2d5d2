"""Where trimtab finds its settings: the TRIMTAB_ environment, the config file, the policy.

Every layer may read these (they import nothing else of trimtab), so a
variable is named, typed and described once instead of read ad hoc.
"""
