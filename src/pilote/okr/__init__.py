"""Pure OKR rules: no Django import here (ARCHITECTURE.md rule 1).

Every formula of PRODUCT.md lives in exactly one function of this package;
pages, API, exports and reports call it.
"""
