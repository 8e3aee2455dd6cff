// Staff Passport sharing service: Azure resources. Placeholder until the infrastructure is written; it declares
// the parameters every module will take.
targetScope = 'resourceGroup'

@description('Short environment name, used in resource names.')
param environmentName string

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

output environmentName string = environmentName
output location string = location
output tags object = tags
