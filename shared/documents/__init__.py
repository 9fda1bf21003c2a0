"""The invoice and the receipt as PDF documents."""
